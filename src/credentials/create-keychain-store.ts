import { CredentialStoreError } from "./errors.js";
import type { SecretStore } from "./secret-store.js";

export interface CreateKeychainStoreParams {
  /** Keychain service name (default "llamagate"). */
  service?: string;
  /** Account under the service (default "huggingface"). */
  account?: string;
  /** Give up on an unresponsive Secret Service after this many ms (default 5000). */
  timeoutMs?: number;
}

/**
 * The OS keychain through @napi-rs/keyring. On Linux the store is pinned to Secret Service: the
 * kernel keyring (keyutils) is flaky and does not survive logout (see shared/reference/deps.md).
 */
export function createKeychainStore(p: CreateKeychainStoreParams = {}): SecretStore {
  const service = p.service ?? "llamagate";
  const account = p.account ?? "huggingface";
  const timeoutMs = p.timeoutMs ?? 5000;
  // The native binding loads on first use, so commands that never touch the keychain do not pay for it.
  const entry = async () => {
    try {
      const { AsyncEntry } = await import("@napi-rs/keyring");
      return new AsyncEntry(service, account, { linux: { store: "secret-service" } });
    } catch (e) {
      throw unavailable(e);
    }
  };
  // The native call may wait for D-Bus activation; bound it so a missing service never hangs a download.
  const guarded = async <T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const s = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      return await fn(s);
    } catch (e) {
      throw unavailable(e);
    }
  };
  return {
    kind: "keychain",
    location: `the system keychain (service "${service}", account "${account}")`,
    get: (signal) => guarded(async (s) => (await (await entry()).getPassword(s)) ?? undefined, signal),
    set: (secret, signal) => guarded(async (s) => (await entry()).setPassword(secret, s), signal),
    delete: (signal) => guarded(async (s) => (await entry()).deleteCredential(s), signal),
  };
}

function unavailable(e: unknown): CredentialStoreError {
  // Already worded (entry() failed inside guarded()): said once, not "not available (not available (...))".
  if (e instanceof CredentialStoreError) return e;
  // Library messages carry no secrets (they describe D-Bus/Secret Service state), but keep them short.
  const why = e instanceof Error ? e.message.split("\n")[0]!.slice(0, 200) : String(e);
  return new CredentialStoreError(`The system keychain is not available (${why}).`, {
    cause: e,
    details: { reason: why },
  });
}
