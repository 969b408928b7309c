/**
 * What the gateway's middlewares share: the exchange they work on, how they
 * are chained, and the JSON answer most of them give.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
}

export type Next = () => Promise<void>;

/** A step of a route: answers the request, or calls `next` to hand it on. */
export type Middleware = (ex: Exchange, next: Next) => Promise<void> | void;

/** The steps run in order; the first that does not call `next` ends the request's route. */
export function chain(...steps: Middleware[]): (ex: Exchange) => Promise<void> {
  const run = async (ex: Exchange, i: number): Promise<void> => {
    const step = steps[i];
    if (step) await step(ex, () => run(ex, i + 1));
  };
  return (ex) => run(ex, 0);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const h = req.headers[name];
  return Array.isArray(h) ? h[0] : h;
}

/** The request's path and query after a route prefix (`/rest/v1/x?y` → `/x?y`). */
export const subpath = (req: IncomingMessage, prefix: string) => req.url!.slice(prefix.length) || "/";
