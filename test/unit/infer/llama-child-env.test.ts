import { describe, expect, it } from "vitest";
import { llamaChildEnv } from "../../../src/infer/smoke-test/llama-child-env.js";

describe("llamaChildEnv: the llama.cpp child (an untrusted GGUF parser) gets an allow-listed environment", () => {
  it("keeps paths, locale and GPU/ggml settings; drops tokens, passwords, the Meta URL, proxies and NODE_OPTIONS", () => {
    const env = llamaChildEnv({
      PATH: "/usr/bin",
      HOME: "/home/u",
      LANG: "C.UTF-8",
      LD_LIBRARY_PATH: "/usr/local/cuda/lib64",
      CUDA_VISIBLE_DEVICES: "0",
      GGML_VK_VISIBLE_DEVICES: "1",
      VK_ICD_FILENAMES: "/x.json",
      NODE_LLAMA_CPP_GPU: "cuda",
      HF_TOKEN: "hf_secretsecretsecretsecretsecret",
      HUGGING_FACE_HUB_TOKEN: "hf_other",
      LLAMAGATE_META_URL: "https://download.llamameta.net/*?Policy=abc&Signature=def",
      LLAMAGATE_REGISTRY_PASSWORD: "pw",
      REGISTRY_AUTH: "basic",
      HTTPS_PROXY: "http://user:pass@proxy:3128",
      NODE_OPTIONS: "--require /tmp/evil.js",
      AWS_SECRET_ACCESS_KEY: "aws",
    });
    expect(env).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/u",
      LANG: "C.UTF-8",
      LD_LIBRARY_PATH: "/usr/local/cuda/lib64",
      CUDA_VISIBLE_DEVICES: "0",
      GGML_VK_VISIBLE_DEVICES: "1",
      VK_ICD_FILENAMES: "/x.json",
      NODE_LLAMA_CPP_GPU: "cuda",
      NODE_LLAMA_CPP_SKIP_DOWNLOAD: "true",
    });
  });
});
