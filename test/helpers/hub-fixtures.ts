/** The standard Hub fixture (repos, commits, tokens) served by hub-server.ts in the HF tests. */
import type { HubRepoSpec, HubTokenSpec } from "./hub-server.js";

/** Deterministic pseudo-random bytes (xorshift), so fixtures need no files on disk. */
export function pseudoRandomBytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

export const PUBLIC_REPO = "test-org/tiny-llama";
export const GATED_REPO = "meta-llama/Llama-Test-7b-hf";
export const PUBLIC_COMMIT = "1f0c2b6e8d4a9f7c3b5e1d2a4c6e8f0a2b4c6d8e";
export const PUBLIC_V1_COMMIT = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
export const GATED_COMMIT = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a291807";

export const TOKENS = {
  granted: "hf_GrantedAccess00000000000000000001",
  noAccess: "hf_NoAccessYet000000000000000000000002",
  pending: "hf_PendingRequest0000000000000000000003",
  rejected: "hf_RejectedRequest000000000000000000004",
  fineGrainedNoGated: "hf_FineGrainedNoGated00000000000000005",
  fineGrainedGated: "hf_FineGrainedGated0000000000000000006",
} as const;

/** The standard fixture: a public Llama-like repo and a gated one, with tokens for every access state. */
export function exampleHub(): { repos: HubRepoSpec[]; tokens: HubTokenSpec[] } {
  const small = (s: string) => Buffer.from(s);
  const publicRepo: HubRepoSpec = {
    id: PUBLIC_REPO,
    commit: PUBLIC_COMMIT,
    refs: { "v1.0": PUBLIC_V1_COMMIT },
    files: [
      { path: "config.json", content: small('{"architectures":["LlamaForCausalLM"],"hidden_size":64}\n') },
      { path: "tokenizer_config.json", content: small('{"bos_token":"<s>"}\n') },
      { path: "model.safetensors", content: pseudoRandomBytes(300_000, 1), lfs: true },
      { path: "pytorch_model.bin", content: pseudoRandomBytes(50_000, 2), lfs: true },
      { path: "original/consolidated.00.pth", content: pseudoRandomBytes(40_000, 3), lfs: true },
      { path: "original/params.json", content: small('{"dim":64}\n') },
      { path: "docs/deep/notes.md", content: small("# notes\n") },
    ],
  };
  const gatedRepo: HubRepoSpec = {
    id: GATED_REPO,
    gated: "manual",
    commit: GATED_COMMIT,
    files: [
      { path: "config.json", content: small('{"architectures":["LlamaForCausalLM"]}\n') },
      { path: "model.safetensors", content: pseudoRandomBytes(120_000, 4), lfs: true },
    ],
  };
  const tokens: HubTokenSpec[] = [
    { token: TOKENS.granted, user: "alice", role: "read", access: { [GATED_REPO]: "granted" } },
    { token: TOKENS.noAccess, user: "bob", role: "read" },
    { token: TOKENS.pending, user: "carol", role: "write", access: { [GATED_REPO]: "pending" } },
    { token: TOKENS.rejected, user: "dave", role: "read", access: { [GATED_REPO]: "rejected" } },
    {
      token: TOKENS.fineGrainedNoGated,
      user: "erin",
      role: "fineGrained",
      canReadGatedRepos: false,
      access: { [GATED_REPO]: "granted" },
    },
    {
      token: TOKENS.fineGrainedGated,
      user: "frank",
      role: "fineGrained",
      canReadGatedRepos: true,
      access: { [GATED_REPO]: "granted" },
    },
  ];
  return { repos: [publicRepo, gatedRepo], tokens };
}
