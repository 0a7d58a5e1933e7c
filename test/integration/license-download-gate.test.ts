/**
 * `llamagate download` runs the license gate before its first HTTP request and exits 3, with zero requests
 * served, when the license check blocks or no acceptance is given.
 */
import { runCli } from "../helpers/run-cli.js";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

let server: Server;
let port: number;
let requests: string[] = [];
let work: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(403).end("this server must never be reached");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});
beforeEach(async () => {
  requests = [];
  work = await mkdtemp(join(tmpdir(), "llamagate-gate-dl-"));
  return () => rm(work, { recursive: true, force: true });
});

/** A signed-URL shape like Meta's (expiry a day from now), pointing at the counting server. */
function metaUrl(): string {
  const policy = Buffer.from(
    JSON.stringify({
      Statement: [
        {
          Resource: `http://127.0.0.1:${port}/*`,
          Condition: { DateLessThan: { "AWS:EpochTime": Math.floor(Date.now() / 1000) + 86_400 } },
        },
      ],
    }),
  )
    .toString("base64")
    .replace(/\+/g, "-")
    .replace(/=/g, "_")
    .replace(/\//g, "~");
  return `http://127.0.0.1:${port}/*?Policy=${policy}&Signature=c2lnbmF0dXJl&Key-Pair-Id=K15QRJLYKIFSLZ&Download-Request-ID=1234567890`;
}

function download(extra: string[]) {
  return runCli(["download", "llama-2-7b", "--meta-url", metaUrl(), "--dir", join(work, "models"), ...extra], {
    cleanEnv: true,
    env: { HOME: work, LLAMAGATE_DATA_DIR: join(work, "state") },
  });
}

describe("download refuses before any HTTP request when the license check blocks", () => {
  it.each([
    [[], "--accept-license"],
    [["--mau", "1M"], "--accept-license"],
    [["--mau", "700000001", "--accept-license"], "--license-override"],
    [["--mau", "1M", "--use", "train-other-llm", "--accept-license"], "§1.b.v"],
  ])("flags %j: exit 3, zero requests, message mentions %s", async (flags, mention) => {
    const r = await download(flags);
    expect(r.code).toBe(3);
    expect(requests).toEqual([]);
    expect(r.stderr).toContain(mention);
    // Nothing was written where the weights would go.
    expect(await readdir(join(work, "models")).catch(() => [])).toEqual([]);
    // Secrets of the signed URL never reach the output.
    expect(r.stderr).not.toContain("c2lnbmF0dXJl");
  });

  it("--json: one JSON error object with category license", async () => {
    const r = await download(["--mau", "2B", "--accept-license", "--json"]);
    expect(r.code).toBe(3);
    expect(requests).toEqual([]);
    expect(JSON.parse(r.stdout).error).toMatchObject({ category: "license", code: "LICENSE_REQUIRES_META_LICENSE" });
  });
});
