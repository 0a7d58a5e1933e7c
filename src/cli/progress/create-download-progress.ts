import { MultiBar, type SingleBar } from "cli-progress";
import { formatBytes } from "../../core/format-bytes.js";
import { redactText } from "../../core/redact.js";
import type { DownloadEvent } from "../../download/types.js";
import type { CliContext } from "../context.js";
import { canAnimate, logLine } from "../output.js";
import { formatAmount, formatEta, formatSpeed } from "./format-progress.js";

/** What a command gets back: feed it every event, print through it, stop it at the end. */
export interface DownloadProgress {
  /**
   * Feed one event. Engine DownloadEvents are rendered; any other `{type}` (a source's own events,
   * e.g. "meta-plan") is ignored, so a pipeline's event stream can be passed straight through.
   */
  onEvent(e: { type: string }): void;
  /** Print a line on stderr without tearing the bars (use this instead of logLine while bars run). */
  log(line: string): void;
  /** Remove the bars / print the last progress line. Idempotent; call it in a finally. */
  stop(): void;
}

export interface DownloadProgressOptions {
  /** --json run: no bars and no periodic lines; retries, corrupt copies and failures are still logged. */
  json?: boolean;
  /** Plain-mode interval between progress lines, in ms. @default 5000 */
  intervalMs?: number;
  /** Plain mode: also print one line per finished file. @default true */
  fileLines?: boolean;
  /** Clock (tests). */
  now?: () => number;
}

/**
 * Render transfer-engine events on stderr (never stdout).
 * - On a terminal that can animate (`canAnimate`: TTY with columns, not CI, not TERM=dumb): one bar per
 *   active file (bytes, speed, ETA) plus a total bar, via cli-progress.
 * - Otherwise: a plain line every `intervalMs` ("downloading: 1.2 GiB / 13.0 GiB (9%), 210.0 MiB/s, ETA 58 s,
 *   3 active, 2/8 files done") and one line per finished file.
 * In every mode it logs `file-retry`, `file-corrupt` and `file-error` itself (one line each): callers
 * should not print those events again. `plan` events add up (a pipeline may run the engine twice).
 */
export function createDownloadProgress(ctx: CliContext, opts: DownloadProgressOptions = {}): DownloadProgress {
  const now = opts.now ?? (() => Date.now());
  const animate = !opts.json && canAnimate(ctx);
  const files = new Map<string, { done: number; total?: number; bar?: SingleBar; speed: number }>();
  let plannedBytes: number | undefined = 0;
  let plannedFiles = 0;
  let finished = 0;
  let lastLine = now();
  let speed = 0;
  let lastSample = { at: now(), bytes: 0 };
  let stopped = false;

  const multibar = animate
    ? new MultiBar({
        stream: ctx.stderr as NodeJS.WriteStream,
        format: " {name} |{bar}| {amount}  {speed}  ETA {etaText}",
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        autopadding: true,
        fps: 8,
        formatValue: (v) => String(v),
      })
    : undefined;
  const totalBar = multibar?.create(1, 0, { name: "total".padEnd(28), amount: "", speed: "", etaText: "?" });

  const doneBytes = () => [...files.values()].reduce((s, f) => s + f.done, 0);
  const log = (line: string) => {
    const safe = redactText(line);
    if (multibar && !stopped) multibar.log(`${safe}\n`);
    else logLine(ctx, safe);
  };
  const sampleSpeed = () => {
    const t = now();
    const bytes = doneBytes();
    const dt = (t - lastSample.at) / 1000;
    if (dt >= 0.5) {
      const inst = Math.max(0, (bytes - lastSample.bytes) / dt);
      speed = speed === 0 ? inst : 0.7 * speed + 0.3 * inst;
      lastSample = { at: t, bytes };
    }
    return bytes;
  };
  const updateTotal = () => {
    const bytes = sampleSpeed();
    const total = plannedBytes;
    const eta = total && speed > 0 ? (total - bytes) / speed : undefined;
    totalBar?.setTotal(Math.max(1, total ?? bytes));
    totalBar?.update(bytes, {
      amount: `${formatAmount(bytes, total)}  ${finished}/${plannedFiles} files`,
      speed: formatSpeed(speed),
      etaText: formatEta(eta),
    });
    if (!multibar && !opts.json && now() - lastLine >= (opts.intervalMs ?? 5000)) {
      lastLine = now();
      const active = [...files.values()].filter((f) => f.total === undefined || f.done < f.total).length;
      log(`downloading: ${formatAmount(bytes, total)}, ${formatSpeed(speed)}, ETA ${formatEta(eta)}, ${active} active, ${finished}/${plannedFiles} files done`);
    }
  };
  const shortName = (n: string) => (n.length > 28 ? `…${n.slice(-27)}` : n.padEnd(28));

  return {
    log,
    onEvent(raw) {
      if (stopped) return;
      const e = raw as DownloadEvent;
      switch (e.type) {
        case "plan":
          plannedFiles += e.files.length;
          plannedBytes = plannedBytes === undefined || e.totalBytes === undefined ? undefined : plannedBytes + e.totalBytes;
          break;
        case "file-start": {
          const f = files.get(e.name) ?? { done: 0, speed: 0 };
          f.total = e.totalBytes ?? f.total;
          f.done = e.resumeFrom;
          if (multibar && !f.bar) f.bar = multibar.create(Math.max(1, f.total ?? 1), f.done, { name: shortName(e.name), amount: "", speed: "", etaText: "?" });
          files.set(e.name, f);
          if (!multibar && !opts.json && e.resumeFrom > 0) log(`${e.name}: resuming from ${formatBytes(e.resumeFrom)}`);
          break;
        }
        case "file-progress": {
          const f = files.get(e.name) ?? { done: 0, speed: 0 };
          f.done = e.bytesDone;
          f.total = e.totalBytes ?? f.total;
          f.speed = e.bytesPerSecond;
          files.set(e.name, f);
          if (f.bar) {
            if (f.total) f.bar.setTotal(f.total);
            f.bar.update(f.done, {
              amount: formatAmount(f.done, f.total),
              speed: formatSpeed(f.speed),
              etaText: formatEta(f.total && f.speed > 0 ? (f.total - f.done) / f.speed : undefined),
            });
          }
          break;
        }
        case "lock-wait":
          log(`another llamagate run (pid ${e.pid} on ${e.host}) is writing to ${e.dir}; waiting for it (${Math.round(e.waitedMs / 1000)} s of at most ${Math.round(e.timeoutMs / 1000)} s)`);
          break;
        case "file-retry":
          log(`${e.name}: ${e.reason}; retry ${e.attempt} in ${(e.waitMs / 1000).toFixed(1)} s (${formatBytes(e.bytesDone)} kept)`);
          break;
        case "file-corrupt":
          log(`${e.name}: ${e.algorithm} mismatch (expected ${e.expected}, got ${e.actual}); bad copy moved to ${e.movedTo}, downloading once more`);
          break;
        case "file-error":
          log(`${e.name}: failed: ${e.error.message}`);
          break;
        case "file-done": {
          const f = files.get(e.name) ?? { done: 0, speed: 0 };
          f.done = e.file.size;
          f.total = e.file.size;
          files.set(e.name, f);
          finished++;
          if (f.bar) {
            multibar!.remove(f.bar);
            f.bar = undefined;
          }
          const how = e.file.skipped ? "already complete" : e.file.verified ? "verified" : "saved";
          if (!opts.json && (multibar || opts.fileLines !== false)) {
            log(`${e.name}: ${how} (${formatBytes(e.file.size)}${e.file.skipped ? "" : `, ${e.file.seconds.toFixed(1)} s`})`);
          }
          break;
        }
        default:
          return;
      }
      updateTotal();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multibar?.update(); // flush lines queued with log() before the bars go away
      multibar?.stop();
    },
  };
}
