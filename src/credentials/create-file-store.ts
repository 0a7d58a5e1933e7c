import { chmod, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { CredentialStoreError } from "./errors.js";
import type { SecretStore } from "./secret-store.js";

export interface CreateFileStoreParams {
  /** llamagate's config folder (LLAMAGATE_CONFIG_DIR, else $XDG_CONFIG_HOME/llamagate, else ~/.config/llamagate). */
  configDir: string;
  /** File name inside it (default "hf-token"). */
  fileName?: string;
}

/**
 * Fallback store for machines without a keychain (headless servers, CI): a file readable by the
 * owner only (0600, folder 0700), written to a temporary name and renamed, like `hf auth login` does.
 */
export function createFileStore(p: CreateFileStoreParams): SecretStore {
  const path = join(p.configDir, p.fileName ?? "hf-token");
  return {
    kind: "file",
    location: path,
    async get() {
      try {
        const text = (await readFile(path, "utf8")).trim();
        return text || undefined;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new CredentialStoreError(`Cannot read the token file ${path}: ${(e as Error).message}`, { cause: e });
      }
    },
    async set(secret) {
      try {
        await mkdir(p.configDir, { recursive: true, mode: 0o700 });
        const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
        // Created 0600 from the start: the token is never readable by others, not even briefly.
        const fh = await open(tmp, "wx", 0o600);
        try {
          await fh.writeFile(`${secret}\n`);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await chmod(tmp, 0o600);
        await rename(tmp, path);
      } catch (e) {
        throw new CredentialStoreError(`Cannot write the token file ${path}: ${(e as Error).message}`, {
          cause: e,
          hint: "Set LLAMAGATE_CONFIG_DIR to a writable folder, or pass the token with HF_TOKEN.",
        });
      }
    },
    async delete() {
      try {
        await stat(path);
      } catch {
        return false;
      }
      await unlink(path);
      return true;
    },
  };
}
