import { LlamagateError } from "../../core/errors.js";
import { formatBytes } from "../../core/format-bytes.js";
import { runDemoIter, type DemoSummary } from "../../demo/run-demo.js";
import { formatUtc } from "../../sources/meta/format-time.js";
import type { CommandRegistrar } from "../command.js";
import { licenseGateLine } from "../license-gate-line.js";
import { logLine, printJson, printLine } from "../output.js";

interface DemoOptions {
  dir?: string;
  model: string;
  shardMb: number;
  showResume: boolean;
  json?: boolean;
}

/** `llamagate demo`: a whole Meta-style download against a built-in local signed-URL CDN. */
export const registerDemoCommand: CommandRegistrar = (program, ctx, run) => {
  program
    .command("demo")
    .description("Serve a small generated model from a local signed-URL CDN on 127.0.0.1 and download + verify it for real")
    .option("--dir <dir>", "download into this folder and keep it (default: a temporary folder, removed afterwards)")
    .option("--model <name>", "catalog model whose Meta layout to imitate", "llama-2-7b")
    .option("--shard-mb <n>", "size of each generated consolidated.NN.pth in MiB", (v) => Math.max(1, Math.min(512, Number(v) || 4)), 4)
    .option("--no-show-resume", "do not make the CDN drop the connection once mid-file (it does by default, to show the ranged resume)")
    .option("--json", "print one JSON object on stdout at the end")
    .action(
      run(async (opts: DemoOptions) => {
        const json = Boolean(opts.json);
        const it = runDemoIter({ dir: opts.dir, model: opts.model, shardBytes: opts.shardMb << 20, showResume: opts.showResume, signal: ctx.signal });
        let summary: DemoSummary;
        for (;;) {
          const r = await it.next();
          if (r.done) {
            summary = r.value;
            break;
          }
          const e = r.value;
          if (e.type === "demo-release") {
            logLine(ctx, `demo: generated a ${formatBytes(e.bytes)} stand-in release (${e.files} files) in Meta's layout`);
            logLine(ctx, `demo: serving it from a local signed-URL CDN at ${e.origin} (link valid until ${formatUtc(e.expiresAt)})`);
            if (opts.showResume) logLine(ctx, "demo: the CDN will drop the connection once in the middle of the first shard, to show the resume");
            logLine(ctx, `demo: downloading into ${e.dir}`);
          } else if (e.type === "demo-license") {
            logLine(ctx, `demo: license check for an organisation declaring ${e.gate.evaluation.inputs.combinedMau} monthly active users:`);
            logLine(ctx, `demo: ${licenseGateLine(e.gate.evaluation.model, e.gate)}`);
          } else if (e.type === "demo-verify") {
            logLine(ctx, "demo: re-checking every checklist from disk, like `llamagate verify`");
          } else if (e.type === "meta-phase") {
            logLine(ctx, e.phase === "checklists" ? "demo: fetching the checklists first" : "demo: fetching the files, md5 checked while they arrive");
          } else if (e.type === "lock-wait") {
            logLine(ctx, `demo: another llamagate run (pid ${e.pid}) is writing to ${e.dir}; waiting for it (${Math.round(e.waitedMs / 1000)} s of at most ${Math.round(e.timeoutMs / 1000)} s)`);
          } else if (e.type === "file-retry") {
            logLine(ctx, `demo: ${e.name}: ${e.reason}; retrying from byte ${e.bytesDone}`);
          } else if (e.type === "file-done") {
            logLine(ctx, `demo: ${e.file.verified ? "verified" : "saved"} ${e.name} (${formatBytes(e.file.size)}${e.file.hashes.md5 ? `, md5 ${e.file.hashes.md5}` : ""})`);
          }
        }
        const d = summary.download;
        if (!summary.verify.ok) throw new LlamagateError("DEMO_VERIFY_FAILED", "integrity", "demo: the downloaded files failed verification.");
        const ranged = summary.requests.filter((q) => q.range !== undefined).length;
        if (json) {
          printJson(ctx, {
            ok: true,
            dir: summary.removed ? null : d.dir,
            files: d.files.map((f) => ({ name: f.name, size: f.size, hashes: f.hashes, verified: f.verified })),
            verified: d.verified,
            license: { verdict: summary.license.verdict, family: summary.license.evaluation.family },
            verify: summary.verify.counts,
            bytes: d.totals.bytes,
            bytesTransferred: d.totals.bytesTransferred,
            requests: summary.requests.length,
            rangedRequests: ranged,
            retries: d.retries,
            seconds: Math.round(d.seconds * 1000) / 1000,
          });
          return;
        }
        for (const f of summary.verify.files) printLine(ctx, `${f.path}: ${f.status}`);
        printLine(
          ctx,
          `demo OK: ${d.files.length} files, ${formatBytes(d.totals.bytes)}, ${d.verified} verified against their checklists, ` +
            `${summary.requests.length} requests (${ranged} ranged), ${d.retries} retries, ${d.seconds.toFixed(1)} s.`,
        );
        printLine(ctx, summary.removed ? "demo: the temporary download folder was removed (pass --dir DIR to keep it)." : `demo: files kept in ${d.dir}`);
      }),
    );
};
