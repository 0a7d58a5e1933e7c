import { describe, expect, it } from "vitest";
import { eventChannel } from "../../../src/core/event-channel.js";

describe("eventChannel", () => {
  it("yields a step's reports while it is still running, then returns its value", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const it = eventChannel<string, number>(async (emit) => {
      emit("waiting 30 s");
      await gate; // the step is still running when the first report must be out
      emit("retrying");
      return 42;
    });
    expect(await it.next()).toEqual({ done: false, value: "waiting 30 s" });
    release();
    expect(await it.next()).toEqual({ done: false, value: "retrying" });
    expect(await it.next()).toEqual({ done: true, value: 42 });
  });

  it("delivers reports made before a failure, then throws the failure", async () => {
    const it = eventChannel<string, number>(async (emit) => {
      emit("one");
      await Promise.resolve();
      throw new Error("gave up");
    });
    expect(await it.next()).toEqual({ done: false, value: "one" });
    await expect(it.next()).rejects.toThrow("gave up");
  });
});
