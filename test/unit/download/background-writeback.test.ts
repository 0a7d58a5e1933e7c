import type { FileHandle } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { fileWriteback } from "../../../src/core/fs/background-writeback.js";

/** A stand-in file handle whose datasync calls are counted and finished by hand. */
function fakeHandle() {
  const calls: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  const fh = {
    datasync: () => new Promise<void>((resolve, reject) => calls.push({ resolve, reject })),
  } as unknown as FileHandle;
  return { fh, calls };
}

describe("fileWriteback", () => {
  it("starts one background datasync per `everyBytes`, never two at once, within the shared gate", async () => {
    const gate = { inFlight: 0, max: 1 };
    const a = fakeHandle();
    const b = fakeHandle();
    const wa = fileWriteback({ fh: a.fh, gate, everyBytes: 100 });
    const wb = fileWriteback({ fh: b.fh, gate, everyBytes: 100 });
    wa.wrote(60);
    expect(a.calls).toHaveLength(0);
    wa.wrote(60);
    expect(a.calls).toHaveLength(1);
    wa.wrote(200); // this file's call still runs
    wb.wrote(200); // the gate is full
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(0);
    a.calls[0]!.resolve();
    await wa.settle();
    expect(gate.inFlight).toBe(0);
    wb.wrote(1);
    expect(b.calls).toHaveLength(1);
    b.calls[0]!.resolve();
    await wb.settle();
  });

  it("keeps the error of a background call and reports it from settle()", async () => {
    const gate = { inFlight: 0, max: 1 };
    const a = fakeHandle();
    const w = fileWriteback({ fh: a.fh, gate, everyBytes: 10 });
    w.wrote(10);
    a.calls[0]!.reject(Object.assign(new Error("EIO"), { code: "EIO" }));
    await expect(w.settle()).rejects.toMatchObject({ code: "EIO" });
    w.wrote(100);
    expect(a.calls).toHaveLength(1); // no more calls after a failure
    expect(gate.inFlight).toBe(0);
  });
});
