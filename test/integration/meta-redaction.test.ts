import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  runLlamagate,
  startMetaCdn,
  TEST_DOWNLOAD_REQUEST_ID,
  TEST_KEY_PAIR_ID,
  type CliRun,
  type MetaCdn,
} from "../helpers/meta-cdn-server.js";

const SHARD = "llama-2-7b/consolidated.00.pth";

/** Every text a run leaves behind: stdout, stderr and every file written under the destination (logs, state, lock). */
async function everything(runs: CliRun[], dirs: string[]): Promise<string> {
  const parts = runs.flatMap((r) => [r.stdout, r.stderr]);
  for (const dir of dirs) {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries)
      if (e.isFile()) parts.push((await readFile(join(e.parentPath, e.name))).toString("latin1"));
  }
  return parts.join("\n");
}

describe("redaction: no signed-URL secret in any output of a full run", () => {
  let cdn: MetaCdn;
  beforeAll(async () => {
    cdn = await startMetaCdn({ models: ["llama-2-7b"], shardBytes: 200_000 });
  });
  afterAll(() => cdn.close());

  // Nine spawned runs: give a loaded machine room (each takes well under a second when idle).
  it(
    "success runs (with a resume) and failure runs (403, HTML, corruption, expiry, bad URL)",
    { timeout: 180_000 },
    async () => {
      const url = cdn.url();
      const q = new URL(url).searchParams;
      const secrets = [q.get("Policy")!, q.get("Signature")!, TEST_KEY_PAIR_ID, TEST_DOWNLOAD_REQUEST_ID];
      const ok = join(cdn.work, "ok");
      const bad = join(cdn.work, "bad");
      const env = { LLAMAGATE_META_URL: url };
      const runs: CliRun[] = [];
      cdn.fault(SHARD, { kind: "drop", afterBytes: 100_000 });
      runs.push(await runLlamagate(["download", "llama-2-7b", "--dir", ok], { env }));
      runs.push(await runLlamagate(["download", "llama-2-7b", "--dir", ok, "--json"], { env }));
      // The URL given on the command line and through stdin, too.
      runs.push(await runLlamagate(["download", "llama-2-7b", "--dir", ok, "--meta-url", url, "--json"]));
      runs.push(await runLlamagate(["download", "llama-2-7b", "--dir", ok, "--meta-url", "-"], { input: url }));
      expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);

      cdn.fault(SHARD, {
        kind: "status",
        status: 403,
        body: `<Error><Code>AccessDenied</Code><Message>${url}</Message></Error>`,
      });
      runs.push(await runLlamagate(["download", "llama-2-7b", "--dir", bad], { env }));
      cdn.fault(SHARD, { kind: "html", body: `<!DOCTYPE html><html><a href="${url}">Excessive Downloads</a></html>` });
      runs.push(await runLlamagate(["download", "llama-2-7b", "--dir", bad, "--json"], { env }));
      cdn.always(SHARD, { kind: "corrupt" });
      runs.push(await runLlamagate(["download", "llama-2-7b", "--dir", bad, "--json"], { env }));
      const expired = cdn.url(new Date(Date.now() - 1000));
      secrets.push(new URL(expired).searchParams.get("Policy")!, new URL(expired).searchParams.get("Signature")!);
      runs.push(
        await runLlamagate(["download", "llama-2-7b", "--dir", bad, "--json"], {
          env: { LLAMAGATE_META_URL: expired },
        }),
      );
      runs.push(
        await runLlamagate(["download", "llama-2-7b", "--dir", bad], {
          env: { LLAMAGATE_META_URL: url.replace("/*", "/x") },
        }),
      );
      expect(runs.slice(4).map((r) => r.code)).toEqual([4, 4, 6, 4, 2]);

      const all = await everything(runs, [ok, bad]);
      expect(all).toMatch(/llama-2-7b\/consolidated\.00\.pth/); // the runs did talk about the files
      for (const s of secrets) {
        expect(s.length).toBeGreaterThan(8);
        expect(all.includes(s), `secret ${s.slice(0, 6)}… leaked`).toBe(false);
      }
      // Decoded or percent-encoded forms must not leak either.
      for (const s of secrets) expect(all.includes(encodeURIComponent(s))).toBe(false);
    },
  );
});
