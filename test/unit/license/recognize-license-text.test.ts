import { describe, expect, it } from "vitest";
import { recognizeLicenseText } from "../../../src/license/recognize-license-text.js";

// The first line(s) of each LICENSE file as Meta's repositories publish them (meta-llama/llama, llama3,
// llama-models), and texts that are not Llama licenses.
describe("recognizeLicenseText", () => {
  it.each([
    ["LLAMA 2 COMMUNITY LICENSE AGREEMENT\t\nLlama 2 Version Release Date: July 18, 2023\n", "llama2"],
    ["META LLAMA 3 COMMUNITY LICENSE AGREEMENT\nMeta Llama 3 Version Release Date: April 18, 2024\n", "llama3"],
    ["LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\nLlama 3.1 Version Release Date: July 23, 2024\n", "llama3.1"],
    ["LLAMA 3.2 COMMUNITY LICENSE AGREEMENT\nLlama 3.2 Version Release Date: September 25, 2024\n", "llama3.2"],
    ["LLAMA 3.3 COMMUNITY LICENSE AGREEMENT\nLlama 3.3 Version Release Date: December 6, 2024\n", "llama3.3"],
    ["Llama 4 Community License Agreement\nLlama 4 Version Effective Date: April 5, 2025\n", "llama4"],
  ])("%j is %s", (text, family) => {
    expect(recognizeLicenseText(text)).toBe(family);
  });
  it.each([
    "                                 Apache License\n                           Version 2.0, January 2004\n",
    "MIT License\n\nCopyright (c) 2024\n",
    "LLAMAGATE DEMO RELEASE\n\nThis is not a Llama model",
    `${"x".repeat(5000)}\nLLAMA 2 COMMUNITY LICENSE AGREEMENT`,
    "LLAMA 9 COMMUNITY LICENSE AGREEMENT",
  ])("%j is no Llama license", (text) => {
    expect(recognizeLicenseText(text)).toBeUndefined();
  });
});
