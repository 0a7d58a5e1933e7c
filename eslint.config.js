import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { layersRule } from "./scripts/lint/layers-rule.js";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".tmp/**", ".bench/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { llamagate: { rules: { layers: layersRule } } },
    rules: {
      "llamagate/layers": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      // Control characters are matched on purpose (terminal escapes, redaction, parsers of binary formats).
      "no-control-regex": "off",
      "max-len": [
        "error",
        {
          code: 120,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreUrls: true,
          ignoreRegExpLiterals: true,
          ignorePattern: "^\\s*(import|export) ",
        },
      ],
    },
  },
  {
    files: ["src/**/*.ts"],
    // A child process's own entry module (*-child.ts, started with fork) ends its process too (DESIGN.md).
    ignores: ["src/cli/**", "src/**/*-child.ts"],
    rules: {
      // Only the CLI prints or exits (DESIGN.md).
      "no-console": "error",
      "no-restricted-properties": [
        "error",
        { object: "process", property: "exit", message: "only src/cli ends the process" },
        { object: "process", property: "stdout", message: "only src/cli writes to the terminal" },
        { object: "process", property: "stderr", message: "only src/cli writes to the terminal" },
        { object: "process", property: "argv", message: "only src/cli reads argv" },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setImmediate: "readonly",
        performance: "readonly",
        AbortController: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
        fetch: "readonly",
        WebAssembly: "readonly",
        queueMicrotask: "readonly",
      },
    },
  },
);
