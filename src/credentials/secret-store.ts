/**
 * A place that keeps one secret (the Hugging Face token). Backends: the OS keychain
 * (@napi-rs/keyring, Secret Service on Linux) and a 0600 file; the interface lets the backend change.
 */
export interface SecretStore {
  /** "keychain" or "file"; shown to the user ("stored in the keychain"). */
  readonly kind: "keychain" | "file";
  /** Human description of where the secret lives (no secret in it). */
  readonly location: string;
  /** The stored secret, or undefined when none is stored. Throws CredentialStoreError when unreachable. */
  get(signal?: AbortSignal): Promise<string | undefined>;
  /** Store (replace) the secret. Throws CredentialStoreError when unreachable. */
  set(secret: string, signal?: AbortSignal): Promise<void>;
  /** Remove it; true when something was removed. */
  delete(signal?: AbortSignal): Promise<boolean>;
}
