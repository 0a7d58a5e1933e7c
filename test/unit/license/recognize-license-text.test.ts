import { expect, it } from "vitest";
import { recognizeLicenseText } from "../../../src/license/recognize-license-text.js";

it.each([
  ["LLAMA 2 COMMUNITY LICENSE AGREEMENT\nLlama 2 Version Release Date: July 18, 2023", "llama2"],
  ["META LLAMA 3 COMMUNITY LICENSE AGREEMENT\nMeta Llama 3 Version Release Date: April 18, 2024", "llama3"],
  ["LLAMA 3.1 COMMUNITY LICENSE AGREEMENT", "llama3.1"],
  ["Llama 3.2 Community License Agreement", "llama3.2"],
  ["LLAMA 3.3 COMMUNITY LICENSE AGREEMENT", "llama3.3"],
  ["LLAMA 4 COMMUNITY LICENSE AGREEMENT", "llama4"],
  ["Apache License\nVersion 2.0, January 2004", undefined],
  ["LLAMA 9 COMMUNITY LICENSE AGREEMENT", undefined],
])("recognizes %j", (text, family) => {
  expect(recognizeLicenseText(text)).toBe(family);
});
