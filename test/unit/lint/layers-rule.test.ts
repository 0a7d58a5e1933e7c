import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

// The project's own eslint config, on code placed (virtually) at a path under src/: the layering messages only.
const root = path.resolve(import.meta.dirname, "../../..");
const eslint = new ESLint({ cwd: root });

async function layerMessages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId?.endsWith("layers") ?? false).map((m) => m.message);
}

describe("the layers lint rule", () => {
  it("lets src/cli import the public API and its own files", async () => {
    expect(
      await layerMessages(
        "src/cli/commands/example.ts",
        'import { formatBytes } from "../../index.js";\nimport { EXIT_CODES } from "../../index.js";\nimport { out } from "../output.js";\nexport const x = [formatBytes, EXIT_CODES, out];\n',
      ),
    ).toEqual([]);
  });

  it("refuses src/cli importing a library module directly, statically or lazily", async () => {
    const messages = await layerMessages(
      "src/cli/commands/example.ts",
      'import { formatBytes } from "../../core/format-bytes.js";\nexport const x = formatBytes;\nexport const y = () => import("../../convert/convert-checkpoint.js");\n',
    );
    expect(messages).toEqual([
      "src/cli imports only the public API (src/index.ts), not src/core/format-bytes.js",
      "src/cli imports only the public API (src/index.ts), not src/convert/convert-checkpoint.js",
    ]);
  });

  it("refuses the library importing the CLI, and a lower layer importing a higher one", async () => {
    expect(await layerMessages("src/index.ts", 'export { main } from "./cli/main.js";\n')).toHaveLength(1);
    expect(
      await layerMessages(
        "src/core/example.ts",
        'import { runPipeline } from "../pipeline/run-pipeline.js";\nexport const x = runPipeline;\n',
      ),
    ).toEqual(["src/core must not import src/pipeline (see the dependency arrows in DESIGN.md)"]);
  });
});
