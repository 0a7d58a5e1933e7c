/** Hash algorithms llamagate computes: md5 (Meta checklists), sha256 (HF LFS), git-sha1 (HF non-LFS blobs). */
export type HashAlgorithm = "md5" | "sha256" | "git-sha1";

/** Lower-case hex digests by algorithm. */
export type HashResult = Partial<Record<HashAlgorithm, string>>;
