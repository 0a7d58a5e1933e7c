import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the proxy saw. */
export interface ProxiedRequest {
  method: string;
  url: string;
  contentRange?: string;
  status?: number;
}

/**
 * A forwarding HTTP proxy in front of a real registry (rewrites nothing but the Host it connects to;
 * `Location` headers are rewritten back to the proxy). `fault(req, n)` may answer "drop" (close the
 * client's connection without forwarding) or "hold" (never answer) for the n-th request of a method, or
 * `{ partial: N }`: forward the request with only its first N body bytes, then hold (what the registry keeps of a
 * chunk whose sender was killed mid-way).
 */
export async function startFaultProxy(params: {
  target: string;
  fault?: (req: IncomingMessage, nthOfMethod: number) => "drop" | "hold" | { partial: number } | undefined;
}): Promise<{ host: string; log: ProxiedRequest[]; setFault(f: typeof params.fault): void; stop(): Promise<void> }> {
  const log: ProxiedRequest[] = [];
  const counts = new Map<string, number>();
  let fault = params.fault;
  const [thost, tport] = params.target.split(":");
  let self = "";
  const server: Server = createServer((req, res) => {
    const n = (counts.get(req.method!) ?? 0) + 1;
    counts.set(req.method!, n);
    const entry: ProxiedRequest = {
      method: req.method!,
      url: req.url!,
      contentRange: req.headers["content-range"] as string | undefined,
    };
    log.push(entry);
    const f = fault?.(req, n);
    if (f === "drop") {
      req.socket.destroy();
      return;
    }
    if (f === "hold") return;
    const headers = { ...req.headers };
    if (typeof f === "object") {
      // Forward N bytes of the body, then end the upstream request as if the sender had died mid-chunk.
      const up = request({ host: thost, port: Number(tport), method: req.method, path: req.url, headers });
      up.on("error", () => {});
      up.on("response", (r) => r.resume());
      let sent = 0;
      req.on("close", () => up.destroy());
      req.on("data", (c: Buffer) => {
        if (sent >= f.partial) return;
        const part = c.subarray(0, f.partial - sent);
        sent += part.length;
        up.write(part);
        if (sent >= f.partial) up.destroy();
      });
      return;
    }
    const up = request({ host: thost, port: Number(tport), method: req.method, path: req.url, headers }, (r) => {
      entry.status = r.statusCode;
      const h = { ...r.headers };
      if (typeof h.location === "string") h.location = h.location.replace(`//${params.target}`, `//${self}`);
      res.writeHead(r.statusCode!, h);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  self = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host: self,
    log,
    setFault(f) {
      fault = f;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
