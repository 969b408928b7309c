/**
 * Proxying to the upstreams (PostgREST, the functions runtime): persistent
 * connections, bodies streamed through the body limit's byte counter, and the
 * rate-limit hook's internal header kept from clients.
 *
 * Proxying is done by http-proxy-3 (a maintained rewrite of http-proxy),
 * except for bodiless GET/HEAD, which take a lean path of their own.
 */
import { Agent, type ClientRequest, type IncomingMessage, request as httpRequest, type ServerResponse } from "node:http";
import { Transform } from "node:stream";
import { createProxyServer } from "http-proxy-3";
import { MAX_BODY_BYTES } from "../http.ts";
import { type Oversized, payloadTooLarge, type Route } from "./body-limit.ts";
import { type Middleware, sendJson, subpath } from "./exchange.ts";
import type { PendingWrites } from "./limits.ts";

/** Set by private.api_pre_request on read-only RPC POSTs it could check but not count. */
const DEFERRED_HEADER = "x-terrain-rate-limit";

export function createUpstreams() {
  // Persistent connections to PostgREST and the functions runtime: without an
  // agent, http-proxy opens (and the upstream accepts) a new TCP connection
  // per request, with `Connection: close`.
  const upstreamAgent = new Agent({ keepAlive: true, maxSockets: 128, maxFreeSockets: 32, scheduling: "lifo" });
  const proxy = createProxyServer({ xfwd: true, proxyTimeout: 120_000, agent: upstreamAgent });
  /** Writes whose count the gateway may owe (see limits.ts): request → marked "deferred" by the hook. */
  const pendingWrites: PendingWrites = new WeakMap();
  proxy.on("proxyRes", (proxyRes, req) => {
    // Internal signal of the db-pre-request hook; never shown to clients.
    const deferred = proxyRes.headers[DEFERRED_HEADER] === "deferred";
    delete proxyRes.headers[DEFERRED_HEADER];
    const pending = pendingWrites.get(req);
    if (pending && deferred) pending.deferred = true;
  });
  /** Upstream requests in flight, so an oversized body can abort its own (see forward). */
  const upstreamRequests = new WeakMap<IncomingMessage, ClientRequest>();
  /** Requests refused mid-body: the abort of their upstream request is ours, not an upstream failure. */
  const oversized: Oversized = new WeakSet();
  proxy.on("proxyReq", (proxyReq, req) => {
    if (oversized.has(req)) return void proxyReq.destroy();
    upstreamRequests.set(req, proxyReq);
  });
  proxy.on("error", (err, req, res) => {
    if (oversized.has(req)) return;
    if (res && "writeHead" in res) sendJson(res as ServerResponse, 502, { message: "Upstream unavailable", hint: err.message });
  });

  /**
   * GET and HEAD without a body, the bulk of the traffic: proxied without
   * http-proxy, whose per-request machinery (option merging, passes, events)
   * was a visible share of the gateway's work. The same request and response
   * as http-proxy makes them with this gateway's options (xfwd, no
   * changeOrigin, the keep-alive agent, proxyTimeout): X-Forwarded-For/-Port/
   * -Proto appended, X-Forwarded-Host set, Trailer dropped; the status, its
   * message and the headers passed back, Transfer-Encoding and hop-by-hop
   * Connection/Keep-Alive left to this server; 502 when the upstream fails.
   */
  function proxyRead(req: IncomingMessage, res: ServerResponse, target: URL) {
    const h = req.headers;
    const remote = req.socket.remoteAddress ?? "";
    const port = /:(\d+)/.exec(h.host ?? "")?.[1] ?? "80";
    h["x-forwarded-for"] = h["x-forwarded-for"] ? `${h["x-forwarded-for"]},${remote}` : remote;
    h["x-forwarded-port"] = h["x-forwarded-port"] ? `${h["x-forwarded-port"]},${port}` : port;
    h["x-forwarded-proto"] = h["x-forwarded-proto"] ? `${h["x-forwarded-proto"]},http` : "http";
    h["x-forwarded-host"] = h["x-forwarded-host"] || h.host || "";
    const headers: Record<string, string | string[] | undefined> = { ...h };
    delete headers.trailer;
    delete headers.connection;
    delete headers["keep-alive"];
    const path = req.url!.startsWith("/") ? req.url! : `/${req.url}`;
    const upstream = httpRequest(
      { agent: upstreamAgent, host: target.hostname, port: target.port, method: req.method, path, headers },
      (upRes) => {
        const out = upRes.headers;
        delete out[DEFERRED_HEADER];
        delete out["transfer-encoding"];
        delete out.connection;
        delete out["keep-alive"];
        res.statusCode = upRes.statusCode ?? 502;
        if (upRes.statusMessage) res.statusMessage = upRes.statusMessage;
        for (const name in out) {
          const v = out[name];
          if (v !== undefined) res.setHeader(name, v);
        }
        upRes.pipe(res);
      },
    );
    upstream.setTimeout(120_000, () => upstream.destroy());
    upstream.on("error", (err) => {
      if (res.destroyed || req.socket.destroyed) return; // the client left: nobody to answer
      if (!res.headersSent) sendJson(res, 502, { message: "Upstream unavailable", hint: err.message });
      else res.destroy();
    });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.end();
  }

  /**
   * Proxies the request with its body streamed through a byte counter.
   * Content-Length is only a claim (and chunked bodies make none): the limit
   * applies to the bytes actually received. The moment it is passed, the
   * upstream request is destroyed — the upstream sees a truncated body and
   * acts on nothing — and the client gets 413. Nothing is buffered beyond the
   * stream's own backpressure window.
   */
  function forward(req: IncomingMessage, res: ServerResponse, target: URL, path: string, route: Route) {
    req.url = path;
    // No body (no Content-Length, or 0, and not chunked — most GETs): nothing to count.
    if (req.headers["transfer-encoding"] === undefined && !(Number(req.headers["content-length"] ?? 0) > 0)) {
      if (req.method === "GET" || req.method === "HEAD") return proxyRead(req, res, target);
      return void proxy.web(req, res, { target, changeOrigin: false });
    }
    let received = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received <= MAX_BODY_BYTES) return done(null, chunk);
        done();
        if (oversized.has(req)) return;
        oversized.add(req);
        req.unpipe(counted);
        upstreamRequests.get(req)?.destroy();
        payloadTooLarge(req, res, route);
      },
    });
    req.pipe(counted);
    proxy.web(req, res, { target, changeOrigin: false, buffer: counted });
  }

  /** Hands the request, its route prefix stripped, to the upstream on `port`. */
  function proxyTo(port: number, prefix: string, route: Route): Middleware {
    const target = new URL(`http://127.0.0.1:${port}`);
    return ({ req, res }) => forward(req, res, target, subpath(req, prefix), route);
  }

  return { proxyTo, pendingWrites, oversized, close: () => upstreamAgent.destroy() };
}
