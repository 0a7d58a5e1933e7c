import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFileStore } from "../../../src/credentials/create-file-store.js";
import { CredentialStoreError } from "../../../src/credentials/errors.js";
import { readStoredToken } from "../../../src/credentials/read-stored-token.js";
import { removeStoredToken } from "../../../src/credentials/remove-stored-token.js";
import { resolveToken } from "../../../src/credentials/resolve-token.js";
import type { SecretStore } from "../../../src/credentials/secret-store.js";
import { storeToken } from "../../../src/credentials/store-token.js";
import { checkTokenShape } from "../../../src/credentials/check-token-shape.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "lg-cred-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A keychain with no Secret Service behind it (what headless servers have). */
const deadKeychain: SecretStore = {
  kind: "keychain",
  location: "the system keychain",
  get: async () => {
    throw new CredentialStoreError("The system keychain is not available (no D-Bus session).");
  },
  set: async () => {
    throw new CredentialStoreError("The system keychain is not available (no D-Bus session).");
  },
  delete: async () => {
    throw new CredentialStoreError("The system keychain is not available (no D-Bus session).");
  },
};

function memoryKeychain(): SecretStore & { value?: string } {
  const s: SecretStore & { value?: string } = {
    kind: "keychain",
    location: "memory",
    get: async () => s.value,
    set: async (v) => void (s.value = v),
    delete: async () => {
      const had = s.value !== undefined;
      s.value = undefined;
      return had;
    },
  };
  return s;
}

describe("file store", () => {
  it("writes the token 0600 in a 0700 folder, reads it back, deletes it", async () => {
    const cfg = join(dir, "cfg");
    const store = createFileStore({ configDir: cfg });
    await store.set("hf_FileStoreToken000000000000000000");
    expect((await stat(store.location)).mode & 0o777).toBe(0o600);
    expect((await stat(cfg)).mode & 0o777).toBe(0o700);
    expect(await readFile(store.location, "utf8")).toBe("hf_FileStoreToken000000000000000000\n");
    expect(await store.get()).toBe("hf_FileStoreToken000000000000000000");
    expect(await store.delete()).toBe(true);
    expect(await store.get()).toBeUndefined();
    expect(await store.delete()).toBe(false);
  });
  it("an unwritable config folder is a filesystem error with a hint", async () => {
    await writeFile(join(dir, "file"), "x");
    const store = createFileStore({ configDir: join(dir, "file", "sub") });
    await expect(store.set("hf_x")).rejects.toMatchObject({
      code: "CREDENTIAL_STORE_UNAVAILABLE",
      category: "filesystem",
    });
  });
});

describe("storeToken / readStoredToken / removeStoredToken", () => {
  it("auto: keychain when it works, and a stale file copy is removed", async () => {
    const file = createFileStore({ configDir: dir });
    await file.set("hf_OldFileToken");
    const kc = memoryKeychain();
    const r = await storeToken({ token: "hf_NewToken", keychain: kc, file });
    expect(r).toEqual({ kind: "keychain", location: "memory" });
    expect(kc.value).toBe("hf_NewToken");
    expect(await file.get()).toBeUndefined();
    expect(await readStoredToken({ keychain: kc, file })).toEqual({
      token: "hf_NewToken",
      source: "llamagate keychain",
    });
  });
  it("auto: falls back to the 0600 file when there is no keychain, and says why", async () => {
    const file = createFileStore({ configDir: dir });
    const r = await storeToken({ token: "hf_FallbackToken", keychain: deadKeychain, file });
    expect(r.kind).toBe("file");
    expect(r.fallbackReason).toMatch(/keychain is not available/);
    expect((await stat(file.location)).mode & 0o777).toBe(0o600);
    expect(await readStoredToken({ keychain: deadKeychain, file })).toEqual({
      token: "hf_FallbackToken",
      source: "llamagate token file",
    });
    expect(await removeStoredToken({ keychain: deadKeychain, file })).toEqual([file.location]);
    expect(await readStoredToken({ keychain: deadKeychain, file })).toBeUndefined();
  });
  it("mode keychain: no silent fallback", async () => {
    const file = createFileStore({ configDir: dir });
    await expect(storeToken({ token: "hf_x", keychain: deadKeychain, file, mode: "keychain" })).rejects.toMatchObject({
      code: "CREDENTIAL_STORE_UNAVAILABLE",
    });
    await expect(readStoredToken({ keychain: deadKeychain, file, mode: "keychain" })).rejects.toMatchObject({
      code: "CREDENTIAL_STORE_UNAVAILABLE",
    });
    expect(await file.get()).toBeUndefined();
  });
  it("mode file never touches the keychain", async () => {
    const file = createFileStore({ configDir: dir });
    const r = await storeToken({ token: "hf_y", keychain: deadKeychain, file, mode: "file" });
    expect(r).toEqual({ kind: "file", location: file.location });
  });
});

describe("resolveToken lookup order", () => {
  it("flag, then HF_TOKEN, then HUGGING_FACE_HUB_TOKEN, then stored, then the hf token file", async () => {
    const hfFile = join(dir, "hf", "token");
    await mkdir(join(dir, "hf"));
    await writeFile(hfFile, "hf_FromHfCli\n");
    const stored = async () => ({ token: "hf_Stored", source: "llamagate keychain" as const });
    const all = {
      explicit: { token: "hf_Flag", source: "--token-stdin" as const },
      hfToken: "hf_Env",
      huggingFaceHubToken: "hf_Legacy",
      readStored: stored,
      hfTokenPath: hfFile,
    };
    expect(await resolveToken(all)).toEqual({ token: "hf_Flag", source: "--token-stdin" });
    expect(await resolveToken({ ...all, explicit: undefined })).toEqual({ token: "hf_Env", source: "HF_TOKEN" });
    expect(await resolveToken({ ...all, explicit: undefined, hfToken: " " })).toEqual({
      token: "hf_Legacy",
      source: "HUGGING_FACE_HUB_TOKEN",
    });
    expect(
      await resolveToken({ ...all, explicit: undefined, hfToken: undefined, huggingFaceHubToken: undefined }),
    ).toEqual({ token: "hf_Stored", source: "llamagate keychain" });
    expect(await resolveToken({ hfTokenPath: hfFile, readStored: async () => undefined })).toEqual({
      token: "hf_FromHfCli",
      source: "hf token file",
    });
    expect(await resolveToken({ hfTokenPath: join(dir, "none") })).toBeUndefined();
  });
});

describe("checkTokenShape", () => {
  it.each([[""], ["  "], ["hf_a b"], ["api_org_abc"]])("refuses %j", (t) =>
    expect(() => checkTokenShape(t)).toThrowError(
      expect.objectContaining({ code: "HF_MALFORMED_TOKEN", category: "usage" }),
    ),
  );
  it("trims a pasted newline", () => expect(checkTokenShape("hf_abc\n")).toBe("hf_abc"));
});
