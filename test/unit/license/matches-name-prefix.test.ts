import { describe, expect, it } from "vitest";
import { matchesNamePrefix } from "../../../src/license/matches-name-prefix.js";

describe("matchesNamePrefix", () => {
  it.each([
    ["Llama-Acme-8B", "Llama", "exact"],
    ["Llama Acme", "Llama", "exact"],
    ["llama-acme", "Llama", "loose"],
    ["Acme-Llama-8B", "Llama", "no"],
    ["Acme", "Llama", "no"],
    ["Llama 3 Acme", "Llama 3", "exact"],
    ["Llama-3-Acme", "Llama 3", "loose"],
    ["Llama3-Acme", "Llama 3", "loose"],
    ["Llama-Acme", "Llama 3", "no"],
    ["Llama 30B Acme", "Llama 3", "no"],
  ] as const)("%s vs %s -> %s", (name, prefix, expected) => {
    expect(matchesNamePrefix({ name, prefix })).toBe(expected);
  });
});
