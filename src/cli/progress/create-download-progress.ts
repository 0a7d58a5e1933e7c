import type { CliContext } from "../context.js";
import { createProgressDisplay, type ProgressDisplay } from "./create-progress-display.js";
import type { ProgressRow } from "./fit-progress-line.js";
import { formatAmount, formatEta, formatSpeed } from "./format-progress.js";
import { formatBytes, redactText, type DownloadEvent } from "../../index.js";

/** What a command gets back: feed it every event, print through it, stop it at the end. */
export interface DownloadProgress {
  /**
   * Feed one event. Engine DownloadEvents are rendered; any other `{type}` (a source's own events,
   * e.g. "meta-plan") is ignored, so a pipeline's event stream can be passed straight through.
   */
  onEvent(e: { type: string }): void;
  /** Print a line on stderr without tearing the bars (use this instead of logLine while bars run). */
  log(line: string): void;
  /** Until the engine reports sizes: the expected bytes of the whole download (e.g. the catalog's weight size). */
  estimateTotal(bytes: number): void;
  /** The display underneath (for a spinner or a stdout line while bars run). */
  readonly display: ProgressDisplay;
  /** Remove the bars. Idempotent; call it in a finally. */
  stop(): void;
}

export interface DownloadProgressOptions {
  /** --json run: plain progress lines on stderr, as a pipe gets (stdout keeps the JSON object); no per-file lines. */
  json?: boolean;
  /** Plain-mode interval between progress lines, in ms. @default 5000 */
  intervalMs?: number;
  /** Plain mode: also print one line per finished file. @default true */
  fileLines?: boolean;
  /** How a finished file reads, fetched and already there. @default "verified" / "already complete" */
  words?: { done: string; skipped: string };
  /** Clock (tests). */
  now?: () => number;
}

interface FileState {
  /** Bytes on disk so far (resumed ones included). */
  done: number;
  total?: number;
  /** Bytes received over the network in this run (what speed counts). */
  net: number;
  /** The engine's network speed for this file. */
  speed: number;
  active: boolean;
}

/**
 * Render transfer-engine events on stderr (never stdout) with the one progress display: on a terminal a total row
 * and one row per active file (bytes, speed, ETA), redrawn in place; elsewhere (pipes, CI, `--json`) a plain line
 * every `intervalMs` ("downloading: 1.2 GiB / 13.0 GiB (9%), 210.0 MiB/s, ETA 58 s, 3 active, 2/8 files done").
 * Totals come from the plan, else from Content-Length as files start (with `estimateTotal` as the floor until
 * then); speed counts network bytes only, never bytes resumed from disk. It logs `file-retry`, `file-corrupt` and
 * `file-error` itself (one line each). `plan` events add up (a pipeline may run the engine twice).
 */
export function createDownloadProgress(ctx: CliContext, opts: DownloadProgressOptions = {}): DownloadProgress {
  const now = opts.now ?? (() => Date.now());
  const display = createProgressDisplay(ctx, { intervalMs: opts.intervalMs, now, plain: opts.json });
  const files = new Map<string, FileState>();
  let plannedFiles = 0;
  let estimate = 0;
  let finished = 0;
  let speed = 0;
  let sample = { at: now(), net: 0 };

  const log = (line: string) => display.log(redactText(line));
  const file = (name: string) => {
    let f = files.get(name);
    if (!f) files.set(name, (f = { done: 0, net: 0, speed: 0, active: false }));
    return f;
  };
  const totals = () => {
    let done = 0;
    let net = 0;
    let known = 0;
    let unknown = 0;
    for (const f of files.values()) {
      done += f.done;
      net += f.net;
      if (f.total === undefined) unknown++;
      else known += f.total;
    }
    unknown += Math.max(0, plannedFiles - files.size);
    // While a size is unknown (Meta's shards: until each one starts) the total is the estimate, if one was given
    // and is still ahead, else unknown: never a full bar, nor "370 MiB / 7.6 KiB+", with the big shard to come.
    const ahead = Math.max(known, estimate);
    const total = unknown === 0 ? known : estimate > 0 && ahead > done ? ahead : undefined;
    return { done, net, total, estimated: unknown > 0 };
  };
  const refresh = () => {
    const t = totals();
    const dt = (now() - sample.at) / 1000;
    if (dt >= 0.5) {
      const inst = Math.max(0, (t.net - sample.net) / dt);
      speed = speed === 0 ? inst : 0.7 * speed + 0.3 * inst;
      sample = { at: now(), net: t.net };
    }
    const active = [...files.entries()].filter(([, f]) => f.active);
    const rows: ProgressRow[] = [
      {
        name: "total",
        done: t.done,
        total: t.total,
        totalIsEstimate: t.estimated,
        speed,
        note: `${finished}/${plannedFiles || files.size} files`,
      },
      ...active.map(([name, f]) => ({ name, done: f.done, total: f.total, speed: f.speed })),
    ];
    const eta = t.total && !t.estimated && speed > 0 ? (t.total - t.done) / speed : undefined;
    const amount =
      t.estimated && t.total ? `${formatBytes(t.done)} / ${formatBytes(t.total)}+` : formatAmount(t.done, t.total);
    display.update(
      rows,
      `downloading: ${amount}, ${formatSpeed(speed)}, ETA ${formatEta(eta)}, ${active.length} active, ${finished}/${plannedFiles || files.size} files done`,
    );
  };

  return {
    log,
    display,
    estimateTotal(bytes) {
      estimate = bytes;
    },
    onEvent(raw) {
      const e = raw as DownloadEvent;
      switch (e.type) {
        case "plan":
          plannedFiles += e.files.length;
          for (const p of e.files) if (p.expectedSize !== undefined) file(p.name).total = p.expectedSize;
          break;
        case "file-start": {
          const f = file(e.name);
          f.total = e.totalBytes ?? f.total;
          f.done = e.resumeFrom;
          f.active = true;
          if (!display.animated && !opts.json && e.resumeFrom > 0)
            log(`${e.name}: resuming from ${formatBytes(e.resumeFrom)}`);
          break;
        }
        case "file-progress": {
          const f = file(e.name);
          f.net += Math.max(0, e.bytesDone - f.done);
          f.done = e.bytesDone;
          f.speed = e.bytesPerSecond;
          f.total = e.totalBytes ?? f.total;
          break;
        }
        case "lock-wait":
          // Only the waiting line: nothing moves while another run holds the folder (no "0 B, 0 B/s, ETA ?").
          log(
            `another llamagate run (pid ${e.pid} on ${e.host}) is writing to ${e.dir}; waiting for it (${Math.round(e.waitedMs / 1000)} s of at most ${Math.round(e.timeoutMs / 1000)} s)`,
          );
          return;
        case "file-retry":
          log(
            `${e.name}: ${e.reason}; retry ${e.attempt} in ${(e.waitMs / 1000).toFixed(1)} s (${formatBytes(e.bytesDone)} kept)`,
          );
          break;
        case "file-corrupt":
          log(
            `${e.name}: ${e.algorithm} mismatch (expected ${e.expected}, got ${e.actual}); bad copy moved to ${e.movedTo}, downloading once more`,
          );
          break;
        case "file-error":
          file(e.name).active = false;
          log(`${e.name}: failed: ${e.error.message}`);
          break;
        case "file-done": {
          const f = file(e.name);
          f.done = e.file.size;
          f.total = e.file.size;
          f.active = false;
          finished++;
          const how = e.file.skipped
            ? (opts.words?.skipped ?? "already complete")
            : e.file.verified
              ? (opts.words?.done ?? "verified")
              : "saved";
          if (!opts.json && (display.animated || opts.fileLines !== false)) {
            log(
              `${e.name}: ${how} (${formatBytes(e.file.size)}${e.file.skipped ? "" : `, ${e.file.seconds.toFixed(1)} s`})`,
            );
          }
          break;
        }
        default:
          return;
      }
      refresh();
    },
    stop: () => display.stop(),
  };
}
