/**
 * PostgREST behind the gateway only trusts JWTs signed with the project's
 * secret: forged, expired, unsigned and self-promoted tokens are refused, and
 * the gateway requires a project API key as Supabase's does.
 */
import { SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_DEV_DEMO_PASSWORD } from "../../scripts/stack/config.ts";
import { stack, supabaseClient, withDb } from "./harness.ts";

const rest = `${stack.apiUrl}/rest/v1`;
const PROBE = "it_service_only_probe";

async function sign(claims: Record<string, unknown>, secret = stack.jwtSecret, expiresIn: string | number = "1h") {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

async function getProbe(token: string) {
  const res = await fetch(`${rest}/${PROBE}?select=secret`, {
    headers: { apikey: stack.anonKey, Authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

// A table only service_role may read: proves which role a token really got.
beforeAll(async () => {
  await withDb(async (c) => {
    await c.query(`drop table if exists public.${PROBE}`);
    await c.query(`create table public.${PROBE} (secret text)`);
    await c.query(`insert into public.${PROBE} values ('only for service_role')`);
    await c.query(`grant select on public.${PROBE} to service_role`);
    await c.query("notify pgrst, 'reload schema'");
  });
  // The schema cache reloads asynchronously: wait until the service key sees the table.
  for (let i = 0; i < 50; i++) {
    if ((await getProbe(stack.serviceRoleKey)).status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("PostgREST never saw the probe table");
});

afterAll(async () => {
  await withDb(async (c) => {
    await c.query(`drop table if exists public.${PROBE}`);
    await c.query("notify pgrst, 'reload schema'");
  });
});

describe("JWTs at /rest/v1", () => {
  it("the real service_role key reads a service-only table", async () => {
    const r = await getProbe(stack.serviceRoleKey);
    expect(r.status).toBe(200);
    expect(r.body).toEqual([{ secret: "only for service_role" }]);
  });

  it("a signed-in technician's token is valid but has no access to it", async () => {
    const supabase = supabaseClient();
    const { data, error } = await supabase.auth.signInWithPassword({ email: "tech1@chaleur-express.test", password: LOCAL_DEV_DEMO_PASSWORD });
    expect(error).toBeNull();
    const r = await getProbe(data.session!.access_token);
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: "42501" });
  });

  it("rejects a service_role token forged with another secret", async () => {
    const forged = await sign({ role: "service_role", iss: "supabase-demo" }, "not-the-project-secret-but-32-characters-long!!");
    const r = await getProbe(forged);
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ code: "PGRST301" });
  });

  it("rejects an expired token signed with the right secret", async () => {
    const expired = await sign({ role: "service_role", sub: "a0000000-0000-4000-8000-000000000003" }, stack.jwtSecret, Math.floor(Date.now() / 1000) - 60);
    const r = await getProbe(expired);
    expect(r.status).toBe(401);
    // PostgREST 12.0 reports it as PGRST301 (12.2+ uses PGRST303); the message is the contract.
    expect(r.body).toMatchObject({ code: "PGRST301", message: "JWT expired" });
  });

  it("rejects an unsigned (alg: none) token claiming service_role", async () => {
    const unsigned = new UnsecuredJWT({ role: "service_role" }).setIssuedAt().setExpirationTime("1h").encode();
    const r = await getProbe(unsigned);
    expect(r.status).toBe(401);
  });

  it("rejects a user token whose payload was edited to service_role (signature no longer matches)", async () => {
    const supabase = supabaseClient();
    const { data } = await supabase.auth.signInWithPassword({ email: "tech1@chaleur-express.test", password: LOCAL_DEV_DEMO_PASSWORD });
    const [header, payload, signature] = data.session!.access_token.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const promoted = Buffer.from(JSON.stringify({ ...claims, role: "service_role" })).toString("base64url");
    const r = await getProbe(`${header}.${promoted}.${signature}`);
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ code: "PGRST301" });
  });

  it("anon (no user token) is denied the table", async () => {
    const r = await getProbe(stack.anonKey);
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ code: "42501" });
  });
});

describe("gateway API keys", () => {
  it("refuses a request without an apikey", async () => {
    const res = await fetch(`${rest}/${PROBE}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ message: "No API key found in request" });
  });

  it("refuses an apikey that is not one of the project's keys, even if validly signed", async () => {
    const otherKey = await sign({ role: "service_role", iss: "supabase-demo" });
    const res = await fetch(`${rest}/${PROBE}`, { headers: { apikey: otherKey } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ message: "Invalid API key" });
  });

  it("answers CORS preflight and returns a request id", async () => {
    const res = await fetch(`${rest}/${PROBE}`, { method: "OPTIONS", headers: { origin: "http://example.test", "access-control-request-method": "GET" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-headers")).toContain("apikey");
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps a caller's x-request-id", async () => {
    const res = await fetch(`${rest}/`, { headers: { apikey: stack.anonKey, "x-request-id": "it-req-42" } });
    expect(res.headers.get("x-request-id")).toBe("it-req-42");
  });

  it("refuses an oversized body with 413 before it reaches PostgREST", async () => {
    const res = await fetch(`${rest}/${PROBE}`, {
      method: "POST",
      headers: { apikey: stack.serviceRoleKey, "content-type": "application/json" },
      body: "x".repeat(10 * 1024 * 1024 + 1),
    });
    expect(res.status).toBe(413);
  });

  it("serves the web app's public config with the anon key only", async () => {
    const res = await fetch(`${stack.apiUrl}/config.json`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, string>;
    expect(body.anonKey).toBe(stack.anonKey);
    expect(JSON.stringify(body)).not.toContain(stack.serviceRoleKey);
  });
});
