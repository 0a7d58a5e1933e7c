/** Inputs of a CloudFront custom policy (used by the demo's local CDN and by tests). */
export interface EncodeCloudFrontPolicyParams {
  /** Resource pattern the signature covers, e.g. "http://127.0.0.1:8080/*". */
  resource: string;
  /** Instant after which the link is refused. */
  expiresAt: Date;
}

/** Build the URL-safe base64 `Policy` value exactly as CloudFront encodes it (`+`→`-`, `=`→`_`, `/`→`~`). */
export function encodeCloudFrontPolicy({ resource, expiresAt }: EncodeCloudFrontPolicyParams): string {
  const json = JSON.stringify({
    Statement: [
      { Resource: resource, Condition: { DateLessThan: { "AWS:EpochTime": Math.floor(expiresAt.getTime() / 1000) } } },
    ],
  });
  return Buffer.from(json, "utf8").toString("base64").replace(/\+/g, "-").replace(/=/g, "_").replace(/\//g, "~");
}
