import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkFileAccess } from "../../../src/sources/hf/check-file-access.js";
import { fetchWhoami } from "../../../src/sources/hf/fetch-whoami.js";
import { hubRequest } from "../../../src/sources/hf/hub-request.js";
import { listRepoTree } from "../../../src/sources/hf/list-repo-tree.js";
import { resolveRevision } from "../../../src/sources/hf/resolve-revision.js";
import { gitBlobSha1, sha256, startHubServer, type HubServer } from "../../helpers/hub-server.js";
import {
  exampleHub,
  GATED_COMMIT,
  GATED_REPO,
  PUBLIC_COMMIT,
  PUBLIC_REPO,
  PUBLIC_V1_COMMIT,
  TOKENS,
} from "../../helpers/hub-fixtures.js";

let hub: HubServer;
const fixture = exampleHub();
beforeAll(async () => {
  hub = await startHubServer(fixture);
});
afterAll(() => hub.close());

const whoamiFor = (token: string) => () => fetchWhoami({ endpoint: hub.endpoint, token });

describe("resolveRevision", () => {
  it("pins main and tags to their commit", async () => {
    expect((await resolveRevision({ endpoint: hub.endpoint, repoId: PUBLIC_REPO, revision: "main" })).commit).toBe(
      PUBLIC_COMMIT,
    );
    expect((await resolveRevision({ endpoint: hub.endpoint, repoId: PUBLIC_REPO, revision: "v1.0" })).commit).toBe(
      PUBLIC_V1_COMMIT,
    );
  });
  it("reads gated repo metadata anonymously (only files are gated)", async () => {
    const r = await resolveRevision({ endpoint: hub.endpoint, repoId: GATED_REPO, revision: "main" });
    expect(r).toEqual({ commit: GATED_COMMIT, gated: "manual", private: false });
  });
  it("unknown revision → RevisionNotFound (not-found)", async () => {
    await expect(
      resolveRevision({ endpoint: hub.endpoint, repoId: PUBLIC_REPO, revision: "nope" }),
    ).rejects.toMatchObject({ code: "HF_REVISION_NOT_FOUND", category: "not-found" });
  });
  it("unknown repo: anonymous 401 and authenticated 404 both → RepoNotFound with the right hint", async () => {
    await expect(
      resolveRevision({ endpoint: hub.endpoint, repoId: "org/missing", revision: "main" }),
    ).rejects.toMatchObject({ code: "HF_REPO_NOT_FOUND", hint: expect.stringContaining("llamagate login") });
    await expect(
      resolveRevision({ endpoint: hub.endpoint, repoId: "org/missing", revision: "main", token: TOKENS.granted }),
    ).rejects.toMatchObject({ code: "HF_REPO_NOT_FOUND", category: "not-found" });
  });
  it("a rejected token → InvalidTokenError naming where it came from", async () => {
    const e = await resolveRevision({
      endpoint: hub.endpoint,
      repoId: PUBLIC_REPO,
      revision: "main",
      token: "hf_Bogus000000000000000000000000000",
      tokenSource: "HF_TOKEN",
    }).catch((x) => x);
    expect(e).toMatchObject({ code: "HF_INVALID_TOKEN", category: "access" });
    expect(e.hint).toContain("HF_TOKEN");
    expect(`${e.message} ${e.hint}`).not.toContain("hf_Bogus");
  });
});

describe("listRepoTree", () => {
  it("lists files recursively with sizes, git oids and LFS sha256, across Link pages", async () => {
    hub.faults.treePageSize = 2;
    try {
      const files = await listRepoTree({ endpoint: hub.endpoint, repoId: PUBLIC_REPO, commit: PUBLIC_COMMIT });
      const spec = fixture.repos[0]!.files;
      expect(files.map((f) => f.path).sort()).toEqual(spec.map((f) => f.path).sort());
      for (const s of spec) {
        const f = files.find((x) => x.path === s.path)!;
        expect(f.size).toBe(s.content.length);
        if (s.lfs) expect(f.lfs).toEqual({ sha256: sha256(s.content), size: s.content.length });
        else expect(f.oid).toBe(gitBlobSha1(s.content));
      }
      expect(hub.requests.filter((r) => r.path.includes("/tree/")).length).toBeGreaterThan(3);
    } finally {
      hub.faults.treePageSize = undefined;
    }
  });

  it("refuses a listing with a file inside another file", async () => {
    const bad = await startHubServer({
      repos: [
        {
          id: "org/clash",
          commit: PUBLIC_COMMIT,
          files: [
            { path: "a", content: Buffer.from("x") },
            { path: "a/b", content: Buffer.from("y") },
          ],
        },
      ],
      tokens: [],
    });
    try {
      await expect(
        listRepoTree({ endpoint: bad.endpoint, repoId: "org/clash", commit: PUBLIC_COMMIT }),
      ).rejects.toMatchObject({ code: "HF_BAD_RESPONSE" });
    } finally {
      await bad.close();
    }
  });

  it.each([["../escape.txt"], ["/etc/passwd"], ["a\\..\\b.txt"], ["sub/../../x"]])(
    "refuses a listing with the unsafe path %j",
    async (path) => {
      const evil = await startHubServer({
        repos: [
          {
            id: "org/evil",
            commit: PUBLIC_COMMIT,
            files: [],
            extraTreeEntries: [{ type: "file", path, size: 1, oid: "a".repeat(40) }],
          },
        ],
        tokens: [],
      });
      try {
        await expect(
          listRepoTree({ endpoint: evil.endpoint, repoId: "org/evil", commit: PUBLIC_COMMIT }),
        ).rejects.toMatchObject({ code: "HF_UNSAFE_PATH" });
      } finally {
        await evil.close();
      }
    },
  );
});

describe("checkFileAccess: gated diagnosis before any byte", () => {
  const probe = (token?: string, tokenSource?: string) =>
    checkFileAccess({
      endpoint: hub.endpoint,
      repoId: GATED_REPO,
      commit: GATED_COMMIT,
      path: "model.safetensors",
      token,
      tokenSource,
      whoami: token ? whoamiFor(token) : undefined,
    });

  it("granted token passes; the CDN is never contacted by the probe", async () => {
    const before = hub.requests.length;
    const gatedModel = fixture.repos[1]!.files.find((f) => f.path === "model.safetensors")!.content;
    await expect(probe(TOKENS.granted)).resolves.toEqual({
      etag: sha256(gatedModel),
      size: gatedModel.length,
      commit: GATED_COMMIT,
    });
    expect(hub.requests.slice(before).every((r) => r.server === "hub" && r.method === "HEAD")).toBe(true);
  });
  it("anonymous → login required (exit category access) with the token URL and repo URL", async () => {
    const e = await probe().catch((x) => x);
    expect(e).toMatchObject({ code: "HF_GATED_LOGIN_REQUIRED", category: "access" });
    expect(e.hint).toContain(`${hub.endpoint}/settings/tokens`);
    expect(e.hint).toContain(`${hub.endpoint}/${GATED_REPO}`);
  });
  it("logged in, not approved → repo URL to request access, approval is manual", async () => {
    const e = await probe(TOKENS.noAccess).catch((x) => x);
    expect(e).toMatchObject({ code: "HF_GATED_NOT_APPROVED", category: "access" });
    expect(e.message).toContain("bob");
    expect(e.hint).toContain(`${hub.endpoint}/${GATED_REPO}`);
    expect(e.hint).toMatch(/manual/);
  });
  it("pending request → says it awaits review", async () => {
    await expect(probe(TOKENS.pending)).rejects.toMatchObject({ code: "HF_GATED_PENDING", category: "access" });
  });
  it("rejected request → says so", async () => {
    await expect(probe(TOKENS.rejected)).rejects.toMatchObject({ code: "HF_GATED_REJECTED", category: "access" });
  });
  it("fine-grained token without the gated checkbox → names the checkbox", async () => {
    const e = await probe(TOKENS.fineGrainedNoGated).catch((x) => x);
    expect(e).toMatchObject({ code: "HF_TOKEN_NO_GATED_PERMISSION", category: "access" });
    expect(e.hint).toContain("Read access to contents of all public gated repos you can access");
  });
  it("fine-grained token with the checkbox passes", async () => {
    await expect(probe(TOKENS.fineGrainedGated)).resolves.toMatchObject({ commit: GATED_COMMIT });
  });
  it("missing file → EntryNotFound", async () => {
    await expect(
      checkFileAccess({ endpoint: hub.endpoint, repoId: PUBLIC_REPO, commit: PUBLIC_COMMIT, path: "nope.bin" }),
    ).rejects.toMatchObject({ code: "HF_ENTRY_NOT_FOUND", category: "not-found" });
  });
});

describe("fetchWhoami", () => {
  it("reports user, role and the fine-grained gated permission", async () => {
    expect(await fetchWhoami({ endpoint: hub.endpoint, token: TOKENS.fineGrainedNoGated })).toMatchObject({
      name: "erin",
      role: "fineGrained",
      canReadGatedRepos: false,
      orgs: ["example-org"],
    });
    const alice = await fetchWhoami({ endpoint: hub.endpoint, token: TOKENS.granted });
    expect(alice).toMatchObject({ name: "alice", role: "read", tokenName: "alice-token" });
    expect(alice.canReadGatedRepos).toBeUndefined();
  });
  it("a rejected token → InvalidTokenError", async () => {
    await expect(
      fetchWhoami({
        endpoint: hub.endpoint,
        token: "hf_Nope00000000000000000000000000000",
        tokenSource: "--token-stdin",
      }),
    ).rejects.toMatchObject({ code: "HF_INVALID_TOKEN" });
  });
});

describe("hubRequest: 429 handling", () => {
  it("waits as RateLimit says (t+1 s) and retries, then succeeds", async () => {
    hub.faults.apiRateLimit = 2;
    const waits: number[] = [];
    const res = await hubRequest({
      url: `${hub.endpoint}/api/models/${PUBLIC_REPO}/revision/main`,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(res.status).toBe(200);
    expect(waits).toEqual([1000, 1000]);
  });
  it("gives up with RateLimitedError (network) after the allowed retries", async () => {
    hub.faults.apiRateLimit = 10;
    try {
      await expect(
        hubRequest({
          url: `${hub.endpoint}/api/models/${PUBLIC_REPO}/revision/main`,
          maxRetries: 2,
          sleep: async () => {},
        }),
      ).rejects.toMatchObject({ code: "HF_RATE_LIMITED", category: "network" });
    } finally {
      hub.faults.apiRateLimit = 0;
    }
  });
  it("retries a refused connection with backoff (jitter up to 1 s, 2 s), then reports a network error", async () => {
    const waits: number[] = [];
    await expect(
      hubRequest({
        url: "http://127.0.0.1:1/api/whoami-v2",
        maxRetries: 2,
        random: () => 0.999999,
        sleep: async (ms) => void waits.push(ms),
      }),
    ).rejects.toMatchObject({ code: "HF_HTTP_ERROR", category: "network" });
    expect(waits).toEqual([1000, 2000]);
  });
});

describe("answers that are not from a Hub", () => {
  it.each([
    [
      "an HTML page (captive portal / proxy login)",
      "text/html",
      "<!doctype html><html><body>Sign in to the Wi-Fi</body></html>",
    ],
    ["JSON without a commit sha", "application/json", '{"id":"x","sha":"not-a-sha"}'],
  ])("%s → HF_BAD_RESPONSE (network, exit 7)", async (_name, type, body) => {
    const srv = createServer((_req, res) => res.writeHead(200, { "content-type": type }).end(body));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    try {
      const endpoint = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
      await expect(resolveRevision({ endpoint, repoId: PUBLIC_REPO, revision: "main" })).rejects.toMatchObject({
        code: "HF_BAD_RESPONSE",
        category: "network",
      });
    } finally {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    }
  });
});
