/**
 * GET and HEAD through the gateway take a lean path of their own (no body,
 * no http-proxy; scripts/stack/gateway/upstream.ts proxyRead). What PostgREST answers
 * must reach the client unchanged — status and its message, its headers
 * (Content-Range, Content-Location, Content-Type), the body — with the
 * gateway's own headers (X-Request-Id, CORS) added, over a connection that
 * stays open; the client address PostgREST sees is the one the gateway
 * determined (the db-pre-request hook counts by it).
 */
import { request, Agent } from "node:http";
import { describe, expect, it } from "vitest";
import { stack } from "./harness.ts";

const service = { apikey: stack.serviceRoleKey, authorization: `Bearer ${stack.serviceRoleKey}` };

interface Answer {
  status: number;
  statusMessage: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  localPort: number | undefined;
}

function send(method: string, path: string, headers: Record<string, string>, agent?: Agent): Promise<Answer> {
  const url = new URL(path, stack.apiUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? "", headers: res.headers, body, localPort: req.socket?.localPort }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe("reads through the gateway", () => {
  it("GET: PostgREST's status, headers and body, plus the gateway's request id and CORS headers", async () => {
    const a = await send("GET", "/rest/v1/organizations?select=id,name&order=id&limit=2", { ...service, "x-request-id": "reads-1" });
    expect(a.status).toBe(200);
    expect(a.statusMessage).toBe("OK");
    expect(a.headers["content-type"]).toMatch(/^application\/json/);
    expect(a.headers["content-range"]).toBe("0-1/*");
    expect(a.headers["content-location"]).toContain("/organizations?");
    expect(a.headers["x-request-id"]).toBe("reads-1");
    expect(a.headers["access-control-allow-origin"]).toBe("*");
    expect(a.headers["access-control-expose-headers"]).toContain("content-range");
    expect(JSON.parse(a.body)).toHaveLength(2);
  });

  it("a Range request gets PostgREST's 206 Partial Content", async () => {
    const a = await send("GET", "/rest/v1/organizations?select=id&order=id", { ...service, range: "0-0", prefer: "count=exact" });
    expect([a.status, a.statusMessage]).toEqual([206, "Partial Content"]);
    expect(a.headers["content-range"]).toMatch(/^0-0\/\d+$/);
    expect(JSON.parse(a.body)).toHaveLength(1);
  });

  it("HEAD: the headers of the GET, no body", async () => {
    const a = await send("HEAD", "/rest/v1/organizations?select=id", { ...service, prefer: "count=exact" });
    expect(a.status).toBe(200);
    expect(a.headers["content-range"]).toMatch(/\/\d+$/);
    expect(a.body).toBe("");
  });

  it("PostgREST's errors pass through unchanged (404 for an unknown table)", async () => {
    const a = await send("GET", "/rest/v1/no_such_table", service);
    expect(a.status).toBe(404);
    expect(JSON.parse(a.body)).toMatchObject({ code: "42P01" });
  });

  it("a keep-alive client keeps its connection across reads", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const ports = new Set<number | undefined>();
      for (let i = 0; i < 5; i++) {
        const a = await send("GET", "/rest/v1/organizations?select=id&limit=1", service, agent);
        expect(a.status).toBe(200);
        ports.add(a.localPort);
      }
      expect(ports.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });
});
