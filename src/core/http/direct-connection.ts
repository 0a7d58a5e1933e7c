import type { Dispatcher } from "undici";

/** How a dispatcher made by createDispatcher connects when it uses no proxy. */
export interface DirectConnection {
  /** Time to open a connection, in ms. */
  connectTimeoutMs: number;
}

const DIRECT = Symbol("llamagate.directConnection");

/** Mark a dispatcher as connecting straight to the origin (no proxy): bulk bodies may then be read raw. */
export function markDirect<T extends Dispatcher>(dispatcher: T, how: DirectConnection): T {
  Object.defineProperty(dispatcher, DIRECT, { value: how });
  return dispatcher;
}

/** The dispatcher's direct-connection settings, or undefined (a proxy, a caller's own dispatcher). */
export function directConnectionOf(dispatcher: Dispatcher): DirectConnection | undefined {
  return (dispatcher as unknown as Record<symbol, DirectConnection | undefined>)[DIRECT];
}
