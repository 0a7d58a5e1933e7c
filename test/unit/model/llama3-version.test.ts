import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectLlama3Version, llama3Release } from "../../../src/model/llama3-version.js";
import { readMetaParams } from "../../../src/model/read-meta-params.js";
import { ropeFrequencies } from "../../../src/model/rope-frequencies.js";

describe("detectLlama3Version", () => {
  const d = (folderName: string, useScaledRope: boolean, dim: number, override?: "3" | "3.1" | "3.2" | "3.3") =>
    detectLlama3Version({ folderName, useScaledRope, dim, override });

  it("reads Meta's and llama-stack's folder names", () => {
    expect(d("Meta-Llama-3-8B-Instruct", false, 4096)).toBe("3");
    expect(d("Llama-3.1-405B-Instruct-MP16", true, 16384)).toBe("3.1");
    expect(d("Meta-Llama-3.1-8B", true, 4096)).toBe("3.1");
    expect(d("Llama3.2-1B", true, 2048)).toBe("3.2");
    expect(d("Llama-3.3-70B-Instruct", true, 8192)).toBe("3.3");
  });

  it("falls back to params.json: no scaling = 3.0, dims 2048/3072 = 3.2, 4096/16384 = 3.1", () => {
    expect(d("weights", false, 8192)).toBe("3");
    expect(d("weights", true, 3072)).toBe("3.2");
    expect(d("weights", true, 4096)).toBe("3.1");
  });

  it("a scaled 70B without a telling name is an error naming --llama-version; the flag wins", () => {
    expect(() => d("my-model", true, 8192)).toThrow(/3\.1 and 3\.3/);
    try {
      d("my-model", true, 8192);
    } catch (e) {
      expect(e).toMatchObject({
        code: "AMBIGUOUS_LLAMA_VERSION",
        category: "conversion",
        hint: expect.stringContaining("--llama-version"),
      });
    }
    expect(d("my-model", true, 8192, "3.3")).toBe("3.3");
    expect(d("Meta-Llama-3-8B", true, 4096, "3.1")).toBe("3.1");
  });

  it("a name that contradicts params.json is an error naming the flag", () => {
    expect(() => d("Meta-Llama-3-8B", true, 4096)).toThrow(
      expect.objectContaining({ code: "LLAMA_VERSION_CONFLICT", hint: expect.stringContaining("--llama-version") }),
    );
    expect(() => d("Llama-3.1-8B", false, 4096)).toThrow(/does not set use_scaled_rope/);
  });

  it("releases: 3.0 plain 8192; 3.1/3.3 factor 8; 3.2 factor 32 and tied embeddings for 1B/3B", () => {
    expect(llama3Release("3", 4096)).toEqual({ version: "3", contextLength: 8192, tieWordEmbeddings: false });
    expect(llama3Release("3.1", 4096)).toMatchObject({
      contextLength: 131072,
      tieWordEmbeddings: false,
      ropeScaling: { factor: 8 },
    });
    expect(llama3Release("3.3", 8192).ropeScaling).toEqual({
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalContext: 8192,
    });
    expect(llama3Release("3.2", 2048)).toMatchObject({ tieWordEmbeddings: true, ropeScaling: { factor: 32 } });
  });
});

describe("ropeFrequencies", () => {
  it("keeps short wavelengths, divides long ones by the factor and smooths between (Llama 3.1 8B: head 128, θ 500000)", () => {
    const { freqs, divisors } = ropeFrequencies({
      headDim: 128,
      theta: 500000,
      scaling: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 },
    });
    expect(divisors[0]).toBe(1);
    expect(divisors[63]).toBe(8);
    const between = [...divisors].filter((x) => x > 1 && x < 8);
    expect(between.length).toBeGreaterThan(0);
    expect(freqs[63]).toBeCloseTo(Math.pow(500000, -126 / 128) / 8, 15);
    expect([...ropeFrequencies({ headDim: 128, theta: 500000 }).divisors].every((x) => x === 1)).toBe(true);
  });
});

describe("readMetaParams refuses what cannot be converted", () => {
  it("Llama 4 (moe_args) and Llama 3.2 Vision (vision_*) with a message saying what is not supported", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lg-l4-"));
    try {
      await writeFile(
        join(dir, "params.json"),
        JSON.stringify({ dim: 5120, n_layers: 48, n_heads: 40, moe_args: { num_experts: 16 } }),
      );
      await expect(readMetaParams({ dir })).rejects.toMatchObject({
        code: "UNSUPPORTED_MODEL",
        message: expect.stringContaining("Llama 4"),
      });
      await writeFile(
        join(dir, "params.json"),
        JSON.stringify({ dim: 4096, n_layers: 32, n_heads: 32, vision_chunk_size: 560 }),
      );
      await expect(readMetaParams({ dir })).rejects.toMatchObject({
        code: "UNSUPPORTED_MODEL",
        message: expect.stringContaining("Vision"),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
