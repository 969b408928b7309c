/**
 * The outermost layer of the gateway: one client address and one request id
 * per request (passed upstream, echoed to the client), one access line per
 * response (scripts/stack/log.ts format), and a 500 for anything a route let
 * escape.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { formatLogLine, levelForStatus } from "../log.ts";
import { type Exchange, sendJson } from "./exchange.ts";
import { clientIp } from "./ratelimit.ts";

/**
 * A log of one line per call, written in batches: every `intervalMs`, or at
 * once past 64 KiB. The gateway logs every request; one file write each was a
 * measurable share of its work. Lines keep their order; `flush` writes what
 * is pending (call it before closing the destination).
 */
export function bufferedLog(write: (chunk: string) => void, intervalMs = 50) {
  let pending: string[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const chunk = pending.join("\n") + "\n";
    pending = [];
    size = 0;
    write(chunk);
  };
  const log = (line: string) => {
    pending.push(line);
    size += line.length + 1;
    if (size >= 64 * 1024) return flush();
    if (!timer) {
      timer = setTimeout(flush, intervalMs);
      timer.unref();
    }
  };
  return Object.assign(log, { flush });
}

export function withRequestLog(log: (line: string) => void, handle: (ex: Exchange) => Promise<void>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const originalPath = (req.url ?? "").split("?")[0];
    // One client address for everything behind the gateway (rate-limit keys, sessions):
    // http-proxy appends the gateway's own hop after it (xfwd), so it stays the first entry.
    req.headers["x-forwarded-for"] = clientIp(req);
    const requestId = (req.headers["x-request-id"] as string | undefined) || randomUUID();
    req.headers["x-request-id"] = requestId;
    res.setHeader("x-request-id", requestId);
    res.once("finish", () => {
      log(
        formatLogLine(levelForStatus(res.statusCode), "request", {
          svc: "gateway",
          request_id: requestId,
          method: req.method,
          path: originalPath,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        }),
      );
    });
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://gateway.local");
    } catch {
      return sendJson(res, 400, { message: "Malformed request URL" });
    }
    handle({ req, res, url }).catch((err: unknown) => {
      log(formatLogLine("error", "gateway error", { svc: "gateway", request_id: requestId, error: String(err) }));
      sendJson(res, 500, { message: "Gateway error", request_id: requestId });
    });
  };
}
