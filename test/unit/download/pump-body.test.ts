import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { pumpBody } from "../../../src/download/pump-body.js";

const chunks = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from([i]));

describe("pumpBody", () => {
  it("delivers every chunk in order, pausing while a returned promise runs", async () => {
    const got: number[] = [];
    let inWrite = false;
    let overlapped = false;
    await pumpBody(Readable.from(chunks(50)), (c) => {
      if (inWrite) overlapped = true;
      got.push(c[0]!);
      if (got.length % 7 === 0) {
        inWrite = true;
        // an asynchronous write that finishes on a later turn of the event loop
        return new Promise<void>((r) => setImmediate(() => ((inWrite = false), r())));
      }
    });
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(overlapped).toBe(false);
  });

  it("rejects with the error thrown by the callback", async () => {
    const boom = new Error("boom");
    await expect(
      pumpBody(Readable.from(chunks(5)), (c) => {
        if (c[0] === 2) throw boom;
      }),
    ).rejects.toBe(boom);
  });

  it("rejects with a body error only after the write in progress is over", async () => {
    const body = new Readable({ read() {} });
    const order: string[] = [];
    let writeStarted!: () => void;
    const started = new Promise<void>((r) => (writeStarted = r));
    let finishWrite!: () => void;
    const p = pumpBody(body, () => {
      writeStarted();
      return new Promise<void>((r) => (finishWrite = r));
    });
    p.catch(() => order.push("rejected"));
    body.push(Buffer.from("a"));
    await started; // gate: the write is in progress
    const closed = new Promise((r) => body.once("close", r));
    body.destroy(new Error("socket closed"));
    await closed; // gate: the body error and close were emitted while the write runs
    await new Promise((r) => setImmediate(r));
    order.push("write-done");
    finishWrite();
    await expect(p).rejects.toThrow("socket closed");
    expect(order).toEqual(["write-done", "rejected"]);
  });

  it("reports a body that closes before its end as a premature close", async () => {
    const body = new Readable({ read() {} });
    let delivered!: () => void;
    const got = new Promise<void>((r) => (delivered = r));
    const p = pumpBody(body, () => delivered());
    body.push(Buffer.from("a"));
    await got; // gate: the first chunk arrived, then the body closes without its end
    body.destroy();
    await expect(p).rejects.toMatchObject({ code: "ERR_STREAM_PREMATURE_CLOSE" });
  });
});
