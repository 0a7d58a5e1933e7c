/**
 * `llamagate pack` / `unpack` through the built CLI: round trip with the license record, and a corrupted
 * member named with exit 6.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";
import { expectSameBytes } from "../helpers/expect-same-bytes.js";

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "llamagate-bundle-cli-"));
  return () => rm(work, { recursive: true, force: true });
});

it("pack needs a recorded license acceptance, carries it, and unpack verifies; a flipped byte is named and nothing is written", async () => {
  const env = { HOME: work, LLAMAGATE_DATA_DIR: join(work, "state") };
  const model = join(work, "llama-2-7b");
  await mkdir(model);
  const weights = randomBytes(300_000);
  await writeFile(join(model, "consolidated.00.pth"), weights);
  await writeFile(join(model, "params.json"), '{"dim":64}');
  const md5 = createHash("md5").update(weights).digest("hex");
  await writeFile(join(model, "checklist.chk"), `${md5}  consolidated.00.pth\n`);
  const bundle = join(work, "b.tar");

  const refused = await runCli(["pack", model, "-o", bundle], { env });
  expect(refused.code, refused.stderr).toBe(3);
  expect(refused.stderr).toContain("license check llama-2-7b");

  expect((await runCli(["license", "check", "llama-2-7b", "--mau", "5M", "--accept-license"], { env })).code).toBe(0);
  const pack = await runCli(["pack", model, "-o", bundle, "--json"], { env });
  expect(pack.code, pack.stderr).toBe(0);
  expect(JSON.parse(pack.stdout).license).toMatchObject({ licenseFamily: "llama2", mau: 5_000_000 });
  expectDocumentedShape(JSON.parse(pack.stdout), "pack");

  const dest = join(work, "dest");
  const un = await runCli(["unpack", bundle, "--dir", dest, "--json"], { env });
  expect(un.code, un.stderr).toBe(0);
  expect(JSON.parse(un.stdout).license).toMatchObject({ licenseFamily: "llama2" });
  expectDocumentedShape(JSON.parse(un.stdout), "unpack");
  expectSameBytes(await readFile(join(dest, "consolidated.00.pth")), weights, "consolidated.00.pth");

  // Flip one byte inside the weights member.
  const raw = await readFile(bundle);
  const at = raw.indexOf(weights.subarray(1000, 1032)) + 5;
  raw[at] = raw[at]! ^ 0xff;
  await writeFile(bundle, raw);
  const dest2 = join(work, "dest2");
  const bad = await runCli(["unpack", bundle, "--dir", dest2], { env });
  expect(bad.code).toBe(6);
  expect(bad.stderr).toContain("member consolidated.00.pth is corrupted");
  // Said once: not "nothing was unpacked. Nothing was written to the destination."
  expect(bad.stderr.match(/nothing was (unpacked|written)/gi)).toHaveLength(1);
  expect(await readdir(dest2)).toEqual([]);
}, 120_000);
