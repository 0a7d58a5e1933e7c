import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { RawResponse } from "../../../src/core/http/open-raw-response.js";
import { pumpRawBody } from "../../../src/download/pump-raw-body.js";

/**
 * A response body read the way openRawResponse's socket reads it: before each read it asks `into` for memory (else
 * its own read buffer), fills part of it, hands over a view, and stops after a `false` until resume().
 */
function fakeRaw(body: Buffer, readSizes: () => number): RawResponse & { reads: number; intoReads: number } {
  const own = Buffer.alloc(256 << 10);
  let at = 0;
  let paused = false;
  let handlers: Parameters<RawResponse["read"]> | undefined;
  const raw = {
    reads: 0,
    intoReads: 0,
    status: 200,
    headers: {},
    contentLength: body.length,
    read(...h: Parameters<RawResponse["read"]>) {
      handlers = h;
      pump();
    },
    resume() {
      paused = false;
      setImmediate(pump);
    },
    destroy() {},
  };
  function pump() {
    const [onData, onEnd, , into] = handlers!;
    while (!paused && at < body.length) {
      const target = into?.() ?? own;
      if (target !== own) raw.intoReads++;
      const n = Math.min(readSizes(), target.length, body.length - at);
      body.copy(target, 0, at, at + n);
      at += n;
      raw.reads++;
      if (onData(target.subarray(0, n)) === false) paused = true;
    }
    if (at >= body.length && !paused) onEnd();
  }
  return raw;
}

/** fetchRange's side: batches of ~1 MiB written asynchronously; at "write" time every held view must be intact. */
function writer(body: Buffer) {
  let batch: { view: Buffer; at: number }[] = [];
  let fill = 0;
  let pos = 0;
  const out = Buffer.alloc(body.length);
  let overwritten = 0;
  const flush = async () => {
    await new Promise((r) => setImmediate(r)); // the write runs on another thread: reads go on meanwhile
    await new Promise((r) => setImmediate(r));
    for (const c of batch) {
      if (!c.view.equals(body.subarray(c.at, c.at + c.view.length))) overwritten++;
      c.view.copy(out, c.at);
    }
    batch = [];
    fill = 0;
  };
  return {
    out,
    overwritten: () => overwritten,
    drained: () => fill === 0,
    onChunk: (chunk: Buffer) => {
      batch.push({ view: chunk, at: pos });
      pos += chunk.length;
      fill += chunk.length;
      return fill >= 1 << 20 ? flush() : undefined;
    },
    end: flush,
  };
}

describe("pumpRawBody", () => {
  for (const [name, sizes] of [
    ["socket-sized reads", () => 64 << 10],
    ["reads of every size up to 256 KiB", () => 1 + Math.floor(Math.random() * (256 << 10))],
    ["tiny reads", () => 1 + Math.floor(Math.random() * 3000)],
  ] as const) {
    it(`${name}: every byte in order, no view overwritten before it is written, reads land in place`, async () => {
      const body = randomBytes(9 * (1 << 20) + 12345);
      const raw = fakeRaw(body, sizes);
      const w = writer(body);
      await pumpRawBody(raw, w.onChunk, w.drained);
      await w.end();
      expect(w.overwritten()).toBe(0);
      expect(w.out.equals(body)).toBe(true);
      // Most reads go straight into the pump's memory; the rest (no room in either slab) are copied.
      expect(raw.intoReads / raw.reads).toBeGreaterThan(0.9);
    });
  }
});
