/**
 * Why `path` ("/"- or sep-separated, relative to a destination) may not be written by a download, a pull
 * or an unpack: one of its components is a name llamagate itself keeps in a destination (the lock
 * `.llamagate.lock`, partial files `*.llamagate-partial-*`, multi-part state `*.llamagate-parts.json`,
 * verified sidecars `.*.llamagate.json`, `.llamagate-oci/`, unpack staging, moved-aside `*.corrupt`, and
 * the atomic writer's `.<name>.<pid>.<16 hex>.<tag>` temporary names). A file from a listing, a layer or a
 * bundle under such a name would replace the live lock or a partial of a running download. Returns
 * undefined for an ordinary name.
 */
export function reservedNameReason(path: string): string | undefined {
  for (const part of path.split(/[\\/]/)) {
    const lower = part.toLowerCase(); // case-insensitive filesystems (macOS, Windows) see one name
    if (lower.includes(".llamagate") || lower.startsWith("llamagate-unpack"))
      return `${part} is a name llamagate keeps for its own files (lock, partial, sidecar) in a destination`;
    if (lower.endsWith(".corrupt"))
      return `${part} is the name llamagate gives a copy it moved aside after a checksum mismatch`;
    if (/^\..+\.\d+\.[0-9a-f]{16}\.[a-z-]+$/.test(lower))
      return `${part} has the form of llamagate's temporary file names`;
  }
  return undefined;
}
