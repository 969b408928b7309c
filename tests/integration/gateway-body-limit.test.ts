/**
 * The gateway's 10 MiB request body limit, for bodies that announce their size
 * (Content-Length) and for those that do not (Transfer-Encoding: chunked): the
 * limit is enforced on the bytes actually received, the client gets 413 as
 * soon as it is passed, and nothing reaches the database.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stack, withDb } from "./harness.ts";

const MiB = 1024 * 1024;
const TABLE = "gateway_body_limit_probe";
const service = { apikey: stack.serviceRoleKey, authorization: `Bearer ${stack.serviceRoleKey}` };

interface Answer {
  status: number;
  body: string;
  /** Bytes of body the client had written when the answer arrived. */
  sentBeforeAnswer: number;
}

/**
 * POSTs a JSON body `{"body":"xxxx…"}` of about `size` bytes, in 64 KiB chunks,
 * honouring backpressure. Without `contentLength` it goes chunked. Stops
 * writing as soon as the server answers. With `holdAfter`, stops writing after
 * that many bytes and waits, the body left unfinished: only a server that
 * answers without waiting for the end of the body can answer then.
 */
function post(
  path: string,
  headers: Record<string, string>,
  size: number,
  opts: { contentLength?: boolean; holdAfter?: number } = {},
): Promise<Answer> {
  const url = new URL(path, stack.apiUrl);
  const head = Buffer.from('{"body":"');
  const tail = Buffer.from('"}');
  const fillerSize = Math.max(0, size - head.length - tail.length);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered: Answer | undefined;
    const req = request(url, {
      method: "POST",
      headers: {
        ...headers,
        "content-type": "application/json",
        prefer: "return=minimal",
        ...(opts.contentLength ? { "content-length": String(head.length + fillerSize + tail.length) } : {}),
      },
    });
    req.on("response", (res) => {
      answered = { status: res.statusCode ?? 0, body: "", sentBeforeAnswer: sent };
      res.setEncoding("utf8");
      res.on("data", (d: string) => (answered!.body += d));
      res.on("end", () => {
        req.destroy();
        resolve(answered!);
      });
      res.on("error", reject);
    });
    // The server may close the connection after answering, while we still write.
    req.on("error", (err) => (answered ? undefined : reject(err)));
    const chunk = Buffer.alloc(64 * 1024, "x");
    const write = (buf: Buffer) => {
      sent += buf.length;
      return req.write(buf);
    };
    const pump = () => {
      if (answered || req.destroyed) return;
      if (sent === 0 && !write(head)) return void req.once("drain", pump);
      while (sent < head.length + fillerSize) {
        if (answered || req.destroyed) return;
        if (opts.holdAfter !== undefined && sent >= opts.holdAfter) return; // hold: the body stays open
        const left = head.length + fillerSize - sent;
        if (!write(left >= chunk.length ? chunk : chunk.subarray(0, left))) return void req.once("drain", pump);
      }
      write(tail);
      req.end();
    };
    pump();
  });
}

async function storedRows(): Promise<number> {
  return withDb(async (c) => Number((await c.query(`select count(*) from public.${TABLE}`)).rows[0].count));
}

describe("gateway body limit (10 MiB), counted on the bytes received", () => {
  beforeAll(async () => {
    // A scratch table with a text column and no size check: what the limit must protect.
    await withDb(async (c) => {
      await c.query(`create table if not exists public.${TABLE} (id bigint generated always as identity primary key, body text not null)`);
      await c.query(`grant insert, select on public.${TABLE} to service_role`);
      await c.query("notify pgrst, 'reload schema'");
    });
    // Wait until PostgREST's schema cache knows the table (a reload may come in two steps).
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${stack.apiUrl}/rest/v1/${TABLE}`, {
        method: "POST",
        headers: { ...service, "content-type": "application/json", prefer: "return=minimal" },
        body: JSON.stringify({ body: "schema cache probe" }),
      });
      await res.arrayBuffer();
      if (res.status === 201) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("PostgREST did not pick up the probe table");
  });

  afterAll(async () => {
    await withDb((c) => c.query(`drop table if exists public.${TABLE}`));
    await withDb((c) => c.query("notify pgrst, 'reload schema'"));
  });

  it("a small chunked body goes through and is stored (the probe works)", async () => {
    const before = await storedRows();
    const answer = await post(`/rest/v1/${TABLE}`, service, 4096);
    expect(answer.status, answer.body).toBe(201);
    expect(await storedRows()).toBe(before + 1);
  });

  it("/rest/v1: 11 MiB chunked → 413 as soon as 10 MiB is passed, nothing stored", async () => {
    const before = await storedRows();
    const answer = await post(`/rest/v1/${TABLE}`, service, 11 * MiB);
    expect(answer.status, answer.body.slice(0, 300)).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ code: "payload_too_large", message: expect.stringContaining(String(10 * MiB)) });
    expect(await storedRows()).toBe(before);
  });

  it("/rest/v1: the 413 comes while the body is still open, right after 10 MiB", async () => {
    const before = await storedRows();
    const answer = await post(`/rest/v1/${TABLE}`, service, 11 * MiB, { holdAfter: 10 * MiB + 128 * 1024 });
    expect(answer.status, answer.body.slice(0, 300)).toBe(413);
    expect(answer.sentBeforeAnswer).toBeLessThan(11 * MiB);
    expect(await storedRows()).toBe(before);
  });

  it("/rest/v1: an announced 11 MiB Content-Length is refused before any byte is read", async () => {
    const before = await storedRows();
    const answer = await post(`/rest/v1/${TABLE}`, service, 11 * MiB, { contentLength: true });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ code: "payload_too_large" });
    expect(await storedRows()).toBe(before);
  });

  it("/functions/v1: 11 MiB chunked → 413 in the functions' error shape", async () => {
    const answer = await post("/functions/v1/events", { "x-api-key": "trn_not_a_key" }, 11 * MiB);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: "payload_too_large" } });
  });

  it("/auth/v1 and /storage/v1: 11 MiB chunked → 413", async () => {
    const auth = await post("/auth/v1/token?grant_type=password", { apikey: stack.anonKey }, 11 * MiB);
    expect(auth.status).toBe(413);
    const storage = await post("/storage/v1/object/photos/x.jpg", service, 11 * MiB);
    expect(storage.status).toBe(413);
  });
});
