import type { SecretStore } from "./secret-store.js";
import type { StoreMode } from "./store-token.js";

export interface RemoveStoredTokenParams {
  /** Keychain backend. */
  keychain: SecretStore;
  /** File backend. */
  file: SecretStore;
  /** Backend choice; default "auto" (both). */
  mode?: StoreMode;
  /** Cancels keychain calls. */
  signal?: AbortSignal;
}

/** Delete the stored token from every place llamagate may have put it; returns the places it was removed from. */
export async function removeStoredToken(p: RemoveStoredTokenParams): Promise<string[]> {
  const removed: string[] = [];
  if (p.mode !== "file") {
    try {
      if (await p.keychain.delete(p.signal)) removed.push(p.keychain.location);
    } catch (e) {
      if (p.mode === "keychain") throw e;
    }
  }
  if (p.mode !== "keychain" && (await p.file.delete())) removed.push(p.file.location);
  return removed;
}
