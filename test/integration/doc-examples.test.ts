/**
 * Every TypeScript/JavaScript example in the docs runs as written (issue 16 §5): each ```ts / ```js block of
 * docs/*.md is a complete module, type-checked against the package's own types (imported as "llamagate", as a user
 * would) and then run, in document order, in one empty folder, with the environment a user has: a signed Meta link
 * (the local signed CDN serving the demo's real checkpoint), a Hub (the Hub stand-in) and an OCI registry (the real
 * docker-registry; the examples that need it skip with a note without it).
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findModel } from "../../src/catalog/find-model.js";
import { generateMetaRelease } from "../../src/demo/generate-meta-release.js";
import { serveSignedCdn, type SignedCdn } from "../../src/demo/serve-signed-cdn.js";
import { exampleHub } from "../helpers/hub-fixtures.js";
import { startHubServer, type HubServer } from "../helpers/hub-server.js";
import { hasProgram, startRegistry, type LocalRegistry } from "../helpers/oci-registry.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HAVE_REGISTRY = hasProgram("docker-registry");

interface Example {
  id: string;
  doc: string;
  line: number;
  code: string;
}

/** The ts/js code blocks of every doc, in a fixed order: library.md first, then the others by name. */
async function examples(): Promise<Example[]> {
  const docs = (await readdir(join(ROOT, "docs"))).filter((n) => n.endsWith(".md")).sort();
  docs.sort((a, b) => Number(b === "library.md") - Number(a === "library.md"));
  const out: Example[] = [];
  for (const doc of docs) {
    const text = await readFile(join(ROOT, "docs", doc), "utf8");
    for (const m of text.matchAll(/^```(ts|typescript|js|javascript|mjs)\n([\s\S]*?)^```$/gm)) {
      const line = text.slice(0, m.index).split("\n").length;
      out.push({
        id: `${String(out.length).padStart(2, "0")}-${doc.replace(/\.md$/, "")}-${line}`,
        doc,
        line,
        code: m[2]!,
      });
    }
  }
  return out;
}

function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }) {
  return new Promise<{ code: number; out: string }>((resolve) =>
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: opts.env, timeout: opts.timeout ?? 120_000, maxBuffer: 16 << 20, encoding: "utf8" },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) || 1 : 0, out: stdout + stderr }),
    ),
  );
}

let all: Example[];
let build: string;
let work: string;
let cdn: SignedCdn;
let hub: HubServer;
let registry: LocalRegistry | undefined;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  all = await examples();
  // Inside the repository, so "llamagate" resolves by the package's own name (package.json "exports" → dist/).
  await mkdir(join(ROOT, ".tmp"), { recursive: true });
  build = await mkdtemp(join(ROOT, ".tmp", "doc-examples-"));
  for (const e of all)
    await writeFile(join(build, `${e.id}.${/^(js|javascript|mjs)$/.test(e.id) ? "mjs" : "mts"}`), e.code);
  await writeFile(
    join(build, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        types: ["node"],
        skipLibCheck: true,
        allowJs: true,
        checkJs: true,
        outDir: "out",
        rootDir: ".",
      },
      include: ["*.mts", "*.mjs"],
    }),
  );

  work = await mkdtemp(join(tmpdir(), "llamagate-doc-examples-"));
  await generateMetaRelease({ root: join(work, "cdn"), models: [findModel({ name: "llama-2-7b" })] });
  cdn = await serveSignedCdn({ root: join(work, "cdn"), secret: "doc-examples", keyPairId: "KDOCEXAMPLES" });
  hub = await startHubServer(exampleHub());
  if (HAVE_REGISTRY) registry = await startRegistry();
  else console.warn("note: docker-registry not installed: the registry examples are type-checked but not run.");
  await mkdir(join(work, "run"));
  env = {
    PATH: process.env.PATH,
    HOME: work,
    LLAMAGATE_DATA_DIR: join(work, "state"),
    LLAMAGATE_META_URL: cdn.signUrl({ expiresAt: new Date(Date.now() + 3600_000) }),
    HF_ENDPOINT: hub.endpoint,
    ...(registry ? { REGISTRY: registry.host, REGISTRY_PLAIN_HTTP: "1" } : {}),
    NO_COLOR: "1",
  };
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  await hub?.close();
  await cdn?.close();
  await rm(work, { recursive: true, force: true });
  await rm(build, { recursive: true, force: true });
});

describe("the docs' code examples", () => {
  it("type-check against the package's types", async () => {
    expect(all.length).toBeGreaterThan(8);
    const tsc = await run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", build], {
      cwd: build,
    });
    expect(tsc.code, tsc.out).toBe(0);
  }, 120_000);

  it("run as written, in order, in one folder", async () => {
    for (const e of all) {
      if (!registry && /REGISTRY/.test(e.code)) continue;
      const r = await run(process.execPath, [join(build, "out", `${e.id}.${e.id.endsWith("js") ? "mjs" : "mjs"}`)], {
        cwd: join(work, "run"),
        env,
      });
      expect(r.code, `docs/${e.doc}:${e.line} failed:\n${r.out}`).toBe(0);
    }
  }, 600_000);
});
