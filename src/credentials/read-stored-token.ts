import type { SecretStore } from "./secret-store.js";
import type { StoreMode } from "./store-token.js";

export interface ReadStoredTokenParams {
  /** Keychain backend. */
  keychain: SecretStore;
  /** File backend. */
  file: SecretStore;
  /** Backend choice; default "auto" (keychain, then file). */
  mode?: StoreMode;
  /** Cancels keychain calls. */
  signal?: AbortSignal;
}

/** The token `llamagate login` stored, and where it was found; undefined when none. */
export async function readStoredToken(
  p: ReadStoredTokenParams,
): Promise<{ token: string; source: "llamagate keychain" | "llamagate token file" } | undefined> {
  const mode = p.mode ?? "auto";
  if (mode !== "file") {
    try {
      const t = await p.keychain.get(p.signal);
      if (t) return { token: t, source: "llamagate keychain" };
    } catch (e) {
      // No keychain here: the file is the fallback (auto); a forced keychain must say why it failed.
      if (mode === "keychain") throw e;
    }
  }
  if (mode === "keychain") return undefined;
  const t = await p.file.get();
  return t ? { token: t, source: "llamagate token file" } : undefined;
}
