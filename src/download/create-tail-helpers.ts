/** A transfer in flight that an idle connection can help (a multi-piece transfer: see transferParts). */
export interface TailHelpable {
  /** Bytes a helping connection could take over now (0: nothing worth a request). */
  takeable(): number;
  /** Run one more connection on this transfer (it takes pieces or splits one); undefined when nothing is left. */
  help(): Promise<void> | undefined;
}

/** The run's transfers in flight that accept help at the end of the run. */
export interface TailHelpers {
  /** Register a transfer; the returned function removes it. */
  add(t: TailHelpable): () => void;
  /**
   * Help the transfer with the most bytes to take (at least `minBytes`) until that connection has nothing left.
   * Resolves false when no transfer needs help.
   */
  helpOne(): Promise<boolean>;
}

/**
 * The end of a run: a connection whose run has no file left to start helps the in-flight file with the most bytes
 * left (one more Range request on it), so the run does not wait for the slowest file on a single connection.
 * Only files that allow extra requests register (TransferFile.allowParts).
 */
export function createTailHelpers(params: {
  /** Do not open a connection for less than this many bytes. */
  minBytes: number;
}): TailHelpers {
  const live = new Set<TailHelpable>();
  return {
    add(t) {
      live.add(t);
      return () => live.delete(t);
    },
    async helpOne() {
      let best: TailHelpable | undefined;
      let most = 0;
      for (const t of live) {
        const n = t.takeable();
        if (n >= params.minBytes && n > most) [best, most] = [t, n];
      }
      const run = best?.help();
      if (!run) return false;
      await run; // a helping connection never throws: the file's own transfer reports its failure
      return true;
    },
  };
}
