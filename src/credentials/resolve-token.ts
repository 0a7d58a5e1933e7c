import { readFile } from "node:fs/promises";

/** Where a token came from, in lookup order. */
export type TokenSourceName =
  | "--token"
  | "--token-stdin"
  | "HF_TOKEN"
  | "HUGGING_FACE_HUB_TOKEN"
  | "llamagate keychain"
  | "llamagate token file"
  | "hf token file";

export interface ResolvedToken {
  token: string;
  source: TokenSourceName;
}

export interface ResolveTokenParams {
  /** Token given on the command line (--token) or read from stdin (--token-stdin). */
  explicit?: ResolvedToken;
  /** Value of HF_TOKEN. */
  hfToken?: string;
  /** Value of HUGGING_FACE_HUB_TOKEN (legacy name). */
  huggingFaceHubToken?: string;
  /** Reads llamagate's stored token (keychain, then file). */
  readStored?: () => Promise<ResolvedToken | undefined>;
  /** The official hf CLI's token file: HF_TOKEN_PATH, else $HF_HOME/token. */
  hfTokenPath?: string;
}

/**
 * The token to use, first found wins: --token/--token-stdin, HF_TOKEN, HUGGING_FACE_HUB_TOKEN,
 * llamagate's stored token, then the file `hf auth login` writes. Undefined = anonymous.
 */
export async function resolveToken(p: ResolveTokenParams): Promise<ResolvedToken | undefined> {
  if (p.explicit?.token.trim()) return { token: p.explicit.token.trim(), source: p.explicit.source };
  if (p.hfToken?.trim()) return { token: p.hfToken.trim(), source: "HF_TOKEN" };
  if (p.huggingFaceHubToken?.trim()) return { token: p.huggingFaceHubToken.trim(), source: "HUGGING_FACE_HUB_TOKEN" };
  const stored = await p.readStored?.();
  if (stored) return stored;
  if (p.hfTokenPath) {
    const text = await readFile(p.hfTokenPath, "utf8").catch(() => "");
    if (text.trim()) return { token: text.trim(), source: "hf token file" };
  }
  return undefined;
}
