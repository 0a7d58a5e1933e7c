/**
 * The pre-authentication encoding model_signing 0.2 signed by mistake, which its later releases still accept
 * (sigstore/model-transparency, `pae_compat`): "DSSEV1" with a capital V, and the payload written as Python's
 * `repr()` of a bytes object (b'...' with escapes) instead of the bytes themselves. Those signatures also used SHA-256
 * whatever the curve. Used only to verify such old signatures, never to sign.
 */
export function dssePaeCompat(payloadType: string, payload: Buffer): Buffer {
  return Buffer.from(
    `DSSEV1 ${payloadType.length} ${payloadType} ${payload.length} ${pythonBytesRepr(payload)}`,
    "utf8",
  );
}

/** Python's repr() of a bytes object. */
function pythonBytesRepr(b: Buffer): string {
  const quote = b.includes(0x27) && !b.includes(0x22) ? '"' : "'";
  let s = "b" + quote;
  for (const c of b) {
    if (c === 0x5c) s += "\\\\";
    else if (c === quote.charCodeAt(0)) s += "\\" + quote;
    else if (c === 0x09) s += "\\t";
    else if (c === 0x0a) s += "\\n";
    else if (c === 0x0d) s += "\\r";
    else if (c < 0x20 || c >= 0x7f) s += "\\x" + c.toString(16).padStart(2, "0");
    else s += String.fromCharCode(c);
  }
  return s + quote;
}
