import { LlamagateError, type LlamagateErrorOptions } from "../core/errors.js";

/** The keychain or token file could not be used (no Secret Service, unwritable config folder...). */
export class CredentialStoreError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions = {}) {
    super("CREDENTIAL_STORE_UNAVAILABLE", "filesystem", message, options);
  }
}

/** A token that cannot be a Hugging Face token (empty, whitespace inside, an org API key). */
export class MalformedTokenError extends LlamagateError {
  constructor(reason: string) {
    super("HF_MALFORMED_TOKEN", "usage", `That is not a usable Hugging Face token: ${reason}.`, {
      hint: "Copy a user access token (it starts with hf_) from https://huggingface.co/settings/tokens.",
    });
  }
}
