/**
 * A small HTTP forward proxy on 127.0.0.1 for the proxy rules (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, --proxy),
 * like tinyproxy or squid: CONNECT tunnels (what undici's ProxyAgent uses, for http:// and https:// targets
 * alike) and plain absolute-form forwarding (`GET http://host/path`). Every request is logged (CONNECT
 * authority or absolute URL), and with `credentials` it demands Basic Proxy-Authorization (407 otherwise).
 * Test code only.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";

export interface ProxyLogEntry {
  /** "CONNECT" or the forwarded method. */
  method: string;
  /** host:port for CONNECT, the absolute URL otherwise. */
  target: string;
  /** Whether the request carried the expected Proxy-Authorization (always true without credentials). */
  authorized: boolean;
}

export interface ForwardProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  readonly log: ProxyLogEntry[];
  /** Local ports of the proxy's connections to the servers (a request that came through has one of them). */
  readonly upstreamPorts: Set<number>;
  close(): Promise<void>;
}

export async function startForwardProxy(
  opts: {
    credentials?: { user: string; pass: string };
    /**
     * Names only the proxy can resolve (name -> address): a client that reaches such a host without the proxy
     * fails, so a run that succeeds sent every request through the proxy.
     */
    hosts?: Record<string, string>;
  } = {},
): Promise<ForwardProxy> {
  const resolveName = (h: string) => opts.hosts?.[h.toLowerCase()] ?? h;
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<Socket>();
  const upstreamPorts = new Set<number>();
  const expected = opts.credentials
    ? `Basic ${Buffer.from(`${opts.credentials.user}:${opts.credentials.pass}`).toString("base64")}`
    : undefined;
  const authorized = (req: IncomingMessage) => !expected || req.headers["proxy-authorization"] === expected;

  const server: Server = createServer((req, res) => {
    const ok = authorized(req);
    log.push({ method: req.method ?? "GET", target: req.url ?? "", authorized: ok });
    if (!ok) {
      res.writeHead(407, { "proxy-authenticate": 'Basic realm="test"' }).end();
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end("absolute URL expected");
      return;
    }
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    delete headers["proxy-connection"];
    const up = httpRequest(
      {
        host: resolveName(target.hostname),
        port: target.port || 80,
        path: target.pathname + target.search,
        method: req.method,
        headers,
      },
      (upRes) => {
        if (upRes.socket.localPort) upstreamPorts.add(upRes.socket.localPort);
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    const ok = authorized(req);
    log.push({ method: "CONNECT", target: req.url ?? "", authorized: ok });
    if (!ok) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? "").split(/:(?=\d+$)/);
    const upstream = connect(Number(port), resolveName(host!), () => {
      if (upstream.localPort) upstreamPorts.add(upstream.localPort);
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    upstreamPorts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
