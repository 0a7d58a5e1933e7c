/** A tiny unbounded async queue: producers push, one consumer awaits `next()`. */
export class EventQueue<T> {
  private items: T[] = [];
  private waiter: (() => void) | undefined;

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  /** Wake the consumer without an item (e.g. all producers finished). */
  wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Take everything queued so far. */
  drain(): T[] {
    const out = this.items;
    this.items = [];
    return out;
  }

  /** Resolves when an item is queued or wake() is called. */
  wait(): Promise<void> {
    if (this.items.length) return Promise.resolve();
    return new Promise((r) => (this.waiter = r));
  }
}
