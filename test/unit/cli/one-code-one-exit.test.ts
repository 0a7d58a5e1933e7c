/**
 * One code, one exit: every error `code` thrown anywhere in src/ has one category (so one exit code, from
 * src/core/exit-codes.ts), and the exit codes the docs state for a code (tables with an exit column, "`CODE`
 * (exit N)" in prose, docs/exit-codes.md's lists) agree with it. The codes are read from the source with the
 * TypeScript parser: `new LlamagateError("CODE", "category", …)`, `new UsageError(…, { code: "CODE" })`,
 * `new FilesystemError("CODE", …)` and every subclass, whatever way it takes its code.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../../src/core/error-codes.js";
import { EXIT_CODES } from "../../../src/core/exit-codes.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** How a class turns its constructor arguments into a code and a category. */
interface ErrorClass {
  category?: string;
  /** A fixed code, or the index of the parameter holding it, or "options" (`options.code ?? default`). */
  code: { fixed?: string; param?: number; optionsParam?: number; fallback?: string; categoryParam?: number };
  base?: string;
}

function stringLit(n: ts.Node | undefined): string | undefined {
  return n && (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) ? n.text : undefined;
}

function codeProperty(n: ts.Node | undefined): string | undefined {
  if (!n || !ts.isObjectLiteralExpression(n)) return undefined;
  for (const p of n.properties)
    if (ts.isPropertyAssignment(p) && p.name.getText() === "code") return stringLit(p.initializer);
  return undefined;
}

/** code -> the categories it is thrown with, and where. */
function scanCodes(): Map<string, Map<string, string[]>> {
  const sources = files(join(ROOT, "src")).map((f) =>
    ts.createSourceFile(f, readFileSync(f, "utf8"), ts.ScriptTarget.Latest, true),
  );
  const classes = new Map<string, ErrorClass>([["LlamagateError", { code: { param: 0, categoryParam: 1 } }]]);
  // Pass 1: subclasses, from the super(...) call of their constructor.
  for (let round = 0; round < 3; round++) {
    for (const sf of sources) {
      ts.forEachChild(sf, function visit(node): void {
        if (ts.isClassDeclaration(node) && node.name && node.heritageClauses) {
          const base = node.heritageClauses[0]?.types[0]?.expression.getText();
          if (!base || !classes.has(base) || classes.has(node.name.text)) return;
          const ctor = node.members.find(ts.isConstructorDeclaration);
          const params = ctor?.parameters.map((p) => p.name.getText()) ?? [];
          let info: ErrorClass | undefined;
          ctor?.body?.forEachChild(function find(n): void {
            if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.SuperKeyword) {
              const parent = classes.get(base)!;
              const args = n.arguments;
              const argCode = (i: number): ErrorClass["code"] => {
                const a = args[i];
                const fixed = stringLit(a);
                if (fixed) return { fixed };
                if (a && ts.isIdentifier(a) && params.includes(a.text)) return { param: params.indexOf(a.text) };
                if (a && ts.isBinaryExpression(a) && a.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) {
                  const obj = a.left.getText().split(".")[0]!;
                  return { optionsParam: params.indexOf(obj), fallback: stringLit(a.right) };
                }
                return {};
              };
              if (base === "LlamagateError") info = { category: stringLit(args[1]), code: argCode(0), base };
              else {
                // A subclass of a subclass: map the parent's parameter positions onto this super() call.
                const c = parent.code;
                info = {
                  category: parent.category,
                  code:
                    c.fixed !== undefined
                      ? { fixed: c.fixed }
                      : c.param !== undefined
                        ? argCode(c.param)
                        : c.optionsParam !== undefined
                          ? (() => {
                              const a = args[c.optionsParam];
                              const lit = codeProperty(a);
                              if (lit) return { fixed: lit };
                              if (a && ts.isIdentifier(a) && params.includes(a.text))
                                return { optionsParam: params.indexOf(a.text), fallback: c.fallback };
                              return { fixed: c.fallback };
                            })()
                          : {},
                  base,
                };
              }
            } else n.forEachChild(find);
          });
          if (info) classes.set(node.name.text, info);
        }
        node.forEachChild(visit);
      });
    }
  }
  classes.set("UsageError", { category: "usage", code: { optionsParam: 1, fallback: "USAGE" } });
  classes.set("FilesystemError", { category: "filesystem", code: { param: 0 } });
  classes.set("InterruptedError", { category: "interrupted", code: { fixed: "INTERRUPTED" } });

  const found = new Map<string, Map<string, string[]>>();
  const add = (code: string, category: string, where: string) => {
    const byCat = found.get(code) ?? new Map<string, string[]>();
    byCat.set(category, [...(byCat.get(category) ?? []), where]);
    found.set(code, byCat);
  };
  // Pass 2: every `new X(...)` of an error class, and every super(...) with a fixed code.
  for (const sf of sources) {
    const visit = (node: ts.Node): void => {
      const isNew = ts.isNewExpression(node) && ts.isIdentifier(node.expression);
      if (isNew && classes.has((node.expression as ts.Identifier).text)) {
        const cls = classes.get((node.expression as ts.Identifier).text)!;
        const args = node.arguments ?? ts.factory.createNodeArray();
        const where = `${sf.fileName.slice(ROOT.length)}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
        const category = cls.code.categoryParam !== undefined ? stringLit(args[cls.code.categoryParam]) : cls.category;
        const code =
          cls.code.fixed ??
          (cls.code.param !== undefined
            ? stringLit(args[cls.code.param])
            : cls.code.optionsParam !== undefined
              ? (codeProperty(args[cls.code.optionsParam]) ?? cls.code.fallback)
              : undefined);
        if (code && category) add(code, category, where);
      }
      node.forEachChild(visit);
    };
    visit(sf);
  }
  return found;
}

const CODES = scanCodes();
const exitOf = (category: string) => (EXIT_CODES as Record<string, number>)[category];

describe("one code, one exit", () => {
  it("finds the codes (the scanner works)", () => {
    expect(CODES.get("INTERRUPTED")?.has("interrupted")).toBe(true);
    expect(CODES.get("HF_GATED_LOGIN_REQUIRED")?.has("access")).toBe(true);
    expect(CODES.get("LOCK_HELD")?.has("filesystem")).toBe(true);
    expect(CODES.get("CORRUPT_FILE")?.has("conversion")).toBe(true);
    expect(CODES.size).toBeGreaterThan(100);
  });

  it("every entry of the ErrorCode list is a code src/ uses (the type checker catches the missing ones)", () => {
    const text = files(join(ROOT, "src"))
      .filter((f) => !f.endsWith("error-codes.ts"))
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    const stale = ERROR_CODES.filter((c) => !text.includes(`"${c}"`));
    expect(stale).toEqual([]);
  });

  it("every error code in src/ is thrown with one category (so one exit code)", () => {
    const split = [...CODES]
      .filter(([, byCat]) => byCat.size > 1)
      .map(([code, byCat]) => ({
        code,
        categories: Object.fromEntries([...byCat].map(([c, w]) => [`${c} (${exitOf(c)})`, w])),
      }));
    expect(split).toEqual([]);
  });

  it("the exit codes the docs state for a code are that code's", () => {
    const docs = readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md"));
    const wrong: string[] = [];
    let checked = 0;
    const check = (doc: string, line: number, code: string, exit: number) => {
      const cats = CODES.get(code);
      checked++;
      if (!cats || cats.size !== 1) return; // not thrown by llamagate's own code (e.g. HTTP_5xx patterns)
      const cat = [...cats.keys()][0]!;
      if (exitOf(cat) !== exit)
        wrong.push(`${doc}:${line}: \`${code}\` is said to exit ${exit}; it is ${cat} (${exitOf(cat)})`);
    };
    for (const doc of docs) {
      const lines = readFileSync(join(ROOT, "docs", doc), "utf8").split("\n");
      let exitColumn = -1;
      lines.forEach((text, i) => {
        if (text.startsWith("|")) {
          const cells = text.split(/(?<!\\)\|/).slice(1, -1);
          if (i + 1 < lines.length && /^\|[\s:|-]+\|$/.test(lines[i + 1]!)) {
            exitColumn = cells.findIndex((c) => /\bexit\b|category/i.test(c));
            // verify.md's "| code | when |": the exit code, when its cells start with a number.
            const numeric = cells.findIndex((c) => /^\s*code\s*$/i.test(c));
            if (exitColumn < 0 && numeric >= 0 && /^\|\s*\d/.test(lines[i + 2] ?? "")) exitColumn = numeric;
            return;
          }
          if (/^\|[\s:|-]+\|$/.test(text) || exitColumn < 0) return;
          const exits = [...new Set((cells[exitColumn] ?? "").match(/\b\d{1,3}\b/g) ?? [])];
          if (exits.length !== 1) return;
          for (const m of text.matchAll(/`([A-Z][A-Z0-9_]{2,})`/g)) check(doc, i + 1, m[1]!, Number(exits[0]));
          return;
        }
        exitColumn = -1;
        // "`CODE` (exit 8", "`CODE` (exit code 8, …", "`CODE` (2)"
        for (const m of text.matchAll(/`([A-Z][A-Z0-9_]{2,})`\s*\((?:exit(?: code)?\s*)?\**(\d{1,3})\b/g))
          check(doc, i + 1, m[1]!, Number(m[2]));
        // "(exit 6, `CODE`)"
        for (const m of text.matchAll(/\(exit(?: code)?\s*\**(\d{1,3})\**,\s*`([A-Z][A-Z0-9_]{2,})`/g))
          check(doc, i + 1, m[2]!, Number(m[1]));
      });
      // docs/exit-codes.md's lists: "- exit 8 (`filesystem`): `A`, `B` …" up to the next item.
      const text = lines.join("\n");
      for (const m of text.matchAll(/^- exit (\d{1,3}) \(`[a-z-]+`\):([\s\S]*?)(?=^- |^\s*$)/gm)) {
        const line = text.slice(0, m.index).split("\n").length;
        for (const c of m[2]!.matchAll(/`([A-Z][A-Z0-9_]{2,})`/g)) check(doc, line, c[1]!, Number(m[1]));
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(80); // the statements were found
  });
});
