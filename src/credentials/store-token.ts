import { CredentialStoreError } from "./errors.js";
import type { SecretStore } from "./secret-store.js";

/** Which backend to use: the keychain with a file fallback (default), or one of them only. */
export type StoreMode = "auto" | "keychain" | "file";

export interface StoreTokenParams {
  /** The token (already validated). */
  token: string;
  /** Keychain backend. */
  keychain: SecretStore;
  /** File backend (the fallback). */
  file: SecretStore;
  /** Backend choice (LLAMAGATE_CREDENTIAL_STORE); default "auto". */
  mode?: StoreMode;
  /** Cancels keychain calls. */
  signal?: AbortSignal;
}

export interface StoredToken {
  /** Where it went. */
  kind: SecretStore["kind"];
  /** Human description of the place (no secret). */
  location: string;
  /** Set when the keychain was wanted but unusable, so the file was used; the CLI says so. */
  fallbackReason?: string;
}

/**
 * Save the token in the keychain, else (auto mode) in the 0600 file; the other place is cleared so it cannot shadow
 * it.
 */
export async function storeToken(p: StoreTokenParams): Promise<StoredToken> {
  const mode = p.mode ?? "auto";
  if (mode !== "file") {
    try {
      await p.keychain.set(p.token, p.signal);
      await p.file.delete().catch(() => false);
      return { kind: "keychain", location: p.keychain.location };
    } catch (e) {
      if (mode === "keychain") throw e;
      await p.file.set(p.token);
      // The keychain's own reason ("Platform failure ..."): callers say "no usable system keychain (<reason>)".
      const reason =
        e instanceof CredentialStoreError
          ? String(e.details?.reason ?? e.message)
          : "the system keychain is not available";
      return { kind: "file", location: p.file.location, fallbackReason: reason };
    }
  }
  await p.file.set(p.token);
  return { kind: "file", location: p.file.location };
}
