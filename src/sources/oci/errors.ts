import { LlamagateError, type LlamagateErrorOptions } from "../../core/errors.js";

/** The registry refused our credentials (or asked for some we do not have). Never carries the credentials. */
export class RegistryAuthError extends LlamagateError {
  constructor(registry: string, message: string, options: LlamagateErrorOptions = {}) {
    super("REGISTRY_AUTH", "access", message, {
      hint: `Set LLAMAGATE_REGISTRY_USERNAME and LLAMAGATE_REGISTRY_PASSWORD (or log in with \`docker login ${registry}\`), and check the account may use this repository.`,
      ...options,
    });
  }
}

/** The repository, tag or blob does not exist on the registry. */
export class RegistryNotFoundError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions = {}) {
    super("REGISTRY_NOT_FOUND", "not-found", message, {
      hint: "Check the registry, repository and tag (push it first with `llamagate push`).",
      ...options,
    });
  }
}

/** The registry answered something the protocol does not allow, or failed after retries. */
export class RegistryProtocolError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions = {}) {
    super("REGISTRY_ERROR", "network", message, {
      hint: "Run the same command again; finished blobs are not sent or fetched twice.",
      ...options,
    });
  }
}

/** The artifact is not a model llamagate can pull (wrong type, bad config, unsafe file path). */
export class NotAModelArtifactError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions = {}) {
    super("NOT_A_MODEL_ARTIFACT", "integrity", message, {
      hint: "Pull a ModelPack model artifact (application/vnd.cncf.model.manifest.v1+json), such as one `llamagate push` wrote.",
      ...options,
    });
  }
}

/** A manifest or config did not hash to the digest that names it. */
export class RegistryDigestMismatchError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions = {}) {
    super("OCI_DIGEST_MISMATCH", "integrity", message, {
      hint: "The registry or a proxy served other bytes than the digest names; pull again, or push the model again.",
      ...options,
    });
  }
}

/** A registry (or its token service) did not finish answering a metadata request within the time limit. */
export class RegistryTimeoutError extends LlamagateError {
  constructor(message: string, options: LlamagateErrorOptions = {}) {
    super("REGISTRY_TIMEOUT", "network", message, {
      hint: "The registry is too slow or stuck; try again later, or allow more time with LLAMAGATE_REGISTRY_TIMEOUT=<seconds>.",
      ...options,
    });
  }
}

/** The registry named a token service (realm) llamagate will not send credentials to without permission. */
export class RegistryTokenRealmError extends LlamagateError {
  constructor(message: string, realmHost: string, options: LlamagateErrorOptions = {}) {
    super("REGISTRY_TOKEN_REALM_REFUSED", "access", message, {
      hint: `If you trust ${realmHost} as this registry's token service, pass --allow-token-realm-host ${realmHost} (or set LLAMAGATE_ALLOW_TOKEN_REALM_HOST=${realmHost}).`,
      details: { realmHost },
      ...options,
    });
  }
}

/** The registry answered plain HTTP to an HTTPS request: it only speaks http (a loopback or test registry). */
export class RegistryPlainHttpError extends LlamagateError {
  constructor(registry: string, options: LlamagateErrorOptions = {}) {
    super("REGISTRY_PLAIN_HTTP", "usage", `${registry} answered plain HTTP to an HTTPS request.`, {
      hint: `If ${registry} is a registry you trust that only speaks http (loopback or test), pass --plain-http (plainHttp: true in a provision manifest); otherwise check the host and port.`,
      ...options,
    });
  }
}
