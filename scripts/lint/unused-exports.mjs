#!/usr/bin/env node
// Dead exports: a value (function, class, constant; types are documentation) exported from src/ that no other file
// (src, test, scripts) mentions. A whole-word search,
// so it errs towards silence (a common word used elsewhere hides a dead export) and never flags a used one.
// The public API (src/index.ts) counts as a use. Exit 1 with one line per dead export.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
const files = (dir) =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : /\.(ts|mts|js|mjs)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
const all = ["src", "test", "scripts"].flatMap(files);
const text = new Map(all.map((f) => [f, readFileSync(join(root, f), "utf8")]));
const decl = /^export\s+(?:declare\s+)?(?:async\s+)?(?:function\*?|class|const|let|enum)\s+([A-Za-z_$][\w$]*)/gm;

const dead = [];
for (const [file, src] of text) {
  if (!file.startsWith("src/") || file === "src/index.ts") continue;
  for (const m of src.matchAll(decl)) {
    const name = m[1];
    const word = new RegExp(`\\b${name.replace(/\$/g, "\\$")}\\b`);
    const used = [...text].some(([other, body]) => other !== file && word.test(body));
    // Used inside its own file only: it need not be exported.
    if (!used) dead.push(`${relative(root, join(root, file))}: ${name}`);
  }
}
for (const d of dead) console.log(`unused export: ${d}`);
process.exit(dead.length ? 1 : 0);
