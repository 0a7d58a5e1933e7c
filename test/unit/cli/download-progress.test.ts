import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CliContext } from "../../../src/cli/context.js";
import { createDownloadProgress } from "../../../src/cli/progress/create-download-progress.js";
import { renderDownloadProgress } from "../../../src/cli/progress/render-download-progress.js";
import { LlamagateError } from "../../../src/core/errors.js";
import type { DownloadEvent, FileSummary } from "../../../src/download/types.js";

function fakeCtx(tty: { isTTY: boolean; columns?: number }, env: Record<string, string> = {}) {
  const out = { stdout: "", stderr: "" };
  const stdout = Object.assign(new PassThrough(), { isTTY: tty.isTTY, columns: tty.columns });
  const stderr = Object.assign(new PassThrough(), {
    isTTY: tty.isTTY,
    columns: tty.columns,
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    clearScreenDown: () => true,
  });
  stdout.on("data", (d) => (out.stdout += d));
  stderr.on("data", (d) => (out.stderr += d));
  const ctx: CliContext = { stdout, stderr, stdin: new PassThrough(), env, signal: new AbortController().signal };
  return { ctx, out };
}

const summary = (name: string, size: number, extra: Partial<FileSummary> = {}): FileSummary => ({
  name,
  path: `/d/${name}`,
  size,
  hashes: {},
  bytesTransferred: size,
  bytesReused: 0,
  retries: 0,
  skipped: false,
  verified: true,
  seconds: 1.5,
  ...extra,
});

const MiB = 1 << 20;

function events(): DownloadEvent[] {
  return [
    {
      type: "plan",
      files: [
        { name: "a.pth", path: "/d/a.pth", expectedSize: 10 * MiB },
        { name: "b.pth", path: "/d/b.pth", expectedSize: 10 * MiB },
      ],
      totalBytes: 20 * MiB,
    },
    { type: "file-start", name: "a.pth", path: "/d/a.pth", totalBytes: 10 * MiB, resumeFrom: 0 },
    { type: "file-start", name: "b.pth", path: "/d/b.pth", totalBytes: 10 * MiB, resumeFrom: 4 * MiB },
    { type: "file-progress", name: "a.pth", bytesDone: 5 * MiB, totalBytes: 10 * MiB, bytesPerSecond: MiB },
    { type: "file-retry", name: "b.pth", attempt: 1, reason: "HTTP 503", waitMs: 1500, bytesDone: 4 * MiB },
    { type: "file-done", name: "a.pth", path: "/d/a.pth", file: summary("a.pth", 10 * MiB) },
    {
      type: "file-error",
      name: "b.pth",
      path: "/d/b.pth",
      error: new LlamagateError("HTTP_404", "not-found", "b.pth: the server answered HTTP 404."),
    },
  ];
}

describe("download progress renderer", () => {
  it("without a TTY prints plain lines on stderr every interval, nothing on stdout", () => {
    const { ctx, out } = fakeCtx({ isTTY: false });
    let t = 0;
    const p = createDownloadProgress(ctx, { intervalMs: 5000, now: () => t });
    const evs = events();
    p.onEvent(evs[0]!);
    p.onEvent(evs[1]!);
    p.onEvent(evs[2]!);
    t = 6000;
    p.onEvent(evs[3]!);
    for (const e of evs.slice(4)) p.onEvent(e);
    p.onEvent({ type: "meta-plan" }); // foreign events are ignored
    p.stop();
    expect(out.stdout).toBe("");
    const lines = out.stderr.trim().split("\n");
    expect(lines).toEqual([
      "b.pth: resuming from 4.0 MiB",
      expect.stringMatching(
        /^downloading: 9\.0 MiB \/ 20\.0 MiB \(45%\), [\d.]+ (KiB|MiB)\/s, ETA .+, 2 active, 0\/2 files done$/,
      ),
      "b.pth: HTTP 503; retry 1 in 1.5 s (4.0 MiB kept)",
      "a.pth: verified (10.0 MiB, 1.5 s)",
      "b.pth: failed: b.pth: the server answered HTTP 404.",
    ]);
  });

  it("--json mode prints plain progress lines on stderr (no per-file lines), and still the retries and failures", () => {
    const { ctx, out } = fakeCtx({ isTTY: false });
    const p = createDownloadProgress(ctx, { json: true, intervalMs: 0 });
    for (const e of events()) p.onEvent(e);
    p.stop();
    expect(out.stdout).toBe("");
    const lines = out.stderr.trim().split("\n");
    expect(lines).toContain("b.pth: HTTP 503; retry 1 in 1.5 s (4.0 MiB kept)");
    expect(lines).toContain("b.pth: failed: b.pth: the server answered HTTP 404.");
    expect(lines.filter((l) => l.startsWith("downloading: ")).length).toBeGreaterThan(2);
    expect(lines.some((l) => l.includes("verified") || l.includes("resuming"))).toBe(false);
  });

  it("speed counts network bytes only: bytes resumed from disk are not speed", () => {
    const { ctx, out } = fakeCtx({ isTTY: false });
    let t = 0;
    const p = createDownloadProgress(ctx, { json: true, intervalMs: 0, now: () => t });
    const send = (e: DownloadEvent) => p.onEvent(e);
    send({
      type: "plan",
      files: [{ name: "b.pth", path: "/d/b.pth", expectedSize: 100 * MiB }],
      totalBytes: 100 * MiB,
    });
    send({ type: "file-start", name: "b.pth", path: "/d/b.pth", totalBytes: 100 * MiB, resumeFrom: 60 * MiB });
    t = 1000;
    send({ type: "file-progress", name: "b.pth", bytesDone: 62 * MiB, totalBytes: 100 * MiB, bytesPerSecond: 0 });
    p.stop();
    const last = out.stderr.trim().split("\n").at(-1)!;
    expect(last).toMatch(/^downloading: 62\.0 MiB \/ 100 MiB \(62%\), 2\.0 MiB\/s, ETA 19 s,/);
  });

  it("Meta downloads (sizes unknown until each file starts): the total is the estimate, not full from the first byte", () => {
    const { ctx, out } = fakeCtx({ isTTY: false });
    const p = createDownloadProgress(ctx, { json: true, intervalMs: 0 });
    const send = (e: DownloadEvent) => p.onEvent(e);
    p.estimateTotal(1000 * MiB);
    send({
      type: "plan",
      files: [
        { name: "a.pth", path: "/d/a.pth" },
        { name: "b.pth", path: "/d/b.pth" },
      ],
    });
    send({ type: "file-start", name: "a.pth", path: "/d/a.pth", totalBytes: 500 * MiB, resumeFrom: 0 });
    send({ type: "file-progress", name: "a.pth", bytesDone: 1 * MiB, totalBytes: 500 * MiB, bytesPerSecond: 0 });
    send({ type: "file-start", name: "b.pth", path: "/d/b.pth", totalBytes: 600 * MiB, resumeFrom: 0 });
    p.stop();
    const lines = out.stderr.trim().split("\n");
    expect(lines.at(-2)).toMatch(/^downloading: 1\.0 MiB \/ 1000 MiB\+, /);
    expect(lines.at(-1)).toMatch(/^downloading: 1\.0 MiB \/ 1\.1 GiB \(0%\), /);
  });

  it("no estimate and a size still unknown: the total is indeterminate, never full nor '370 MiB / 7.6 KiB+'", () => {
    for (const tty of [false, true]) {
      const { ctx, out } = fakeCtx({ isTTY: tty, columns: 100 });
      let t = 0;
      const p = createDownloadProgress(ctx, { intervalMs: 0, now: () => (t += 200) });
      const send = (e: DownloadEvent) => p.onEvent(e);
      send({
        type: "plan",
        files: [
          { name: "tokenizer.model", path: "/d/tokenizer.model" },
          { name: "consolidated.00.pth", path: "/d/consolidated.00.pth" },
        ],
      });
      send({ type: "file-start", name: "tokenizer.model", path: "/d/t", totalBytes: 7782, resumeFrom: 0 });
      send({ type: "file-done", name: "tokenizer.model", path: "/d/t", file: summary("tokenizer.model", 7782) });
      send({ type: "file-start", name: "consolidated.00.pth", path: "/d/c", resumeFrom: 0 });
      send({ type: "file-progress", name: "consolidated.00.pth", bytesDone: 370 * MiB, bytesPerSecond: MiB });
      const text = out.stderr;
      p.stop();
      if (tty) {
        const totals = text.split("\n").filter((l) => /^total /.test(l.replace(/^\x1b\[\d+A\r\x1b\[J/, "")));
        expect(totals.length).toBeGreaterThan(0);
        expect(totals.at(-1)).not.toMatch(/\[[#-]+\]| \/ /);
        expect(totals.at(-1)).toMatch(/370(\.0)? MiB/);
      } else {
        const last = text
          .trim()
          .split("\n")
          .filter((l) => l.startsWith("downloading: "))
          .at(-1);
        expect(last).toMatch(/^downloading: 370(\.0)? MiB, /);
      }
    }
  });

  it("waiting on a locked folder prints only the waiting line, no '0 B, 0 B/s, ETA ?' progress lines", () => {
    const { ctx, out } = fakeCtx({ isTTY: false });
    const p = createDownloadProgress(ctx, { intervalMs: 0 });
    for (const waitedMs of [10_000, 20_000, 30_000]) {
      p.onEvent({ type: "lock-wait", dir: "/d", pid: 42, host: "h", waitedMs, timeoutMs: 180_000 } as DownloadEvent);
    }
    p.stop();
    const lines = out.stderr.trim().split("\n");
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^another llamagate run \(pid 42 on h\) is writing to \/d; waiting/);
  });

  it("--json on a terminal: plain lines only, nothing redrawn", () => {
    const { ctx, out } = fakeCtx({ isTTY: true, columns: 100 });
    const p = createDownloadProgress(ctx, { json: true, intervalMs: 0 });
    for (const e of events()) p.onEvent(e);
    p.stop();
    expect(out.stderr).not.toContain("\x1b[");
    expect(out.stderr).toMatch(/^downloading: /m);
  });

  it("draws bars on an animating terminal but never on a 0-column one", async () => {
    const tty = fakeCtx({ isTTY: true, columns: 100 });
    async function* gen(): AsyncGenerator<DownloadEvent, string> {
      for (const e of events()) yield e;
      return "the summary";
    }
    expect(await renderDownloadProgress(tty.ctx, gen())).toBe("the summary");
    expect(tty.out.stdout).toBe("");
    expect(tty.out.stderr).toContain("total");
    expect(tty.out.stderr).toContain("a.pth: verified (10.0 MiB, 1.5 s)");

    const zero = fakeCtx({ isTTY: true, columns: 0 });
    const p = createDownloadProgress(zero.ctx, { intervalMs: 1e9 });
    for (const e of events()) p.onEvent(e);
    p.stop();
    expect(zero.out.stderr).not.toContain("|");
  });
});
