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

  it("lets every source implement the one interface in src/sources, and keeps sources from importing each other", async () => {
    expect(
      await layerMessages(
        "src/sources/bundle/example.ts",
        'import type { ModelSource } from "../model-source.js";\nexport type X = ModelSource<1, 2, { files: 0; bytesNeeded: 0 }, 3, 4>;\n',
      ),
    ).toEqual([]);
    expect(
      await layerMessages(
        "src/sources/bundle/example.ts",
        'import { hfSource } from "../hf/hf-source.js";\nexport const x = hfSource;\n',
      ),
    ).toEqual(["src/sources/bundle must not import src/sources/hf (see the dependency arrows in DESIGN.md)"]);
    expect(
      await layerMessages("src/sources/example.ts", 'export const x = () => import("../fleet/oci-source.js");\n'),
    ).toEqual(["src/sources must not import src/fleet (see the dependency arrows in DESIGN.md)"]);
  });
});
