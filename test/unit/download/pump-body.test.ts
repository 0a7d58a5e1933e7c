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
        return new Promise<void>((r) => setTimeout(() => ((inWrite = false), r()), 2));
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
    let writeDone = false;
    const p = pumpBody(body, () => new Promise<void>((r) => setTimeout(() => ((writeDone = true), r()), 20)));
    body.push(Buffer.from("a"));
    await new Promise((r) => setTimeout(r, 5));
    body.destroy(new Error("socket closed"));
    await expect(p).rejects.toThrow("socket closed");
    expect(writeDone).toBe(true);
  });

  it("reports a body that closes before its end as a premature close", async () => {
    const body = new Readable({ read() {} });
    const p = pumpBody(body, () => {});
    body.push(Buffer.from("a"));
    setTimeout(() => body.destroy(), 5);
    await expect(p).rejects.toMatchObject({ code: "ERR_STREAM_PREMATURE_CLOSE" });
  });
});
