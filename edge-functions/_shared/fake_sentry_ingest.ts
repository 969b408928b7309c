/**
 * A local stand-in for Sentry's ingest, for tests: it accepts what an SDK
 * sends to `POST /api/<project id>/envelope/`, parses the envelope and keeps
 * it with the URL and headers (where the DSN's public key travels), and
 * answers 200 as Sentry does. Any other request is recorded as rejected.
 */

export interface Envelope {
  url: URL;
  headers: Headers;
  header: Record<string, unknown>;
  items: { header: Record<string, unknown>; payload: Record<string, unknown> }[];
}

/**
 * An envelope: a JSON header line, then items, each a JSON header line and a
 * payload of `length` bytes when the item header says so, else up to the next
 * newline (https://develop.sentry.dev/sdk/data-model/envelopes/).
 */
export function parseEnvelope(bytes: Uint8Array): Pick<Envelope, "header" | "items"> {
  const decoder = new TextDecoder();
  let at = 0;
  const line = (): string => {
    const end = bytes.indexOf(0x0a, at);
    const text = decoder.decode(bytes.subarray(at, end < 0 ? bytes.length : end));
    at = end < 0 ? bytes.length : end + 1;
    return text;
  };
  const header = JSON.parse(line());
  const items: Envelope["items"] = [];
  while (at < bytes.length) {
    const itemHeaderLine = line();
    if (itemHeaderLine.trim() === "") continue;
    const itemHeader = JSON.parse(itemHeaderLine);
    let payloadText: string;
    if (typeof itemHeader.length === "number") {
      payloadText = decoder.decode(bytes.subarray(at, at + itemHeader.length));
      at += itemHeader.length + 1;
    } else {
      payloadText = line();
    }
    items.push({ header: itemHeader, payload: JSON.parse(payloadText) });
  }
  return { header, items };
}

/** The fake ingest: records every envelope; answers 200 as Sentry does. */
export function startFakeIngest() {
  const envelopes: Envelope[] = [];
  const rejected: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const body = new Uint8Array(await req.arrayBuffer());
    if (req.method !== "POST" || !/^\/api\/[0-9]+\/envelope\/$/.test(url.pathname)) {
      rejected.push(`${req.method} ${url.pathname}`);
      return new Response("not found", { status: 404 });
    }
    envelopes.push({ url, headers: req.headers, ...parseEnvelope(body) });
    return Response.json({ id: crypto.randomUUID() });
  });
  return { envelopes, rejected, port: server.addr.port, close: () => server.shutdown() };
}

/** The public key an SDK authenticated with: `sentry_key` in the query or in X-Sentry-Auth. */
export function sentryKeyOf(envelope: Envelope): string | null {
  const fromQuery = envelope.url.searchParams.get("sentry_key");
  if (fromQuery) return fromQuery;
  return /sentry_key=([^,\s]+)/.exec(envelope.headers.get("x-sentry-auth") ?? "")?.[1] ?? null;
}
