/**
 * The gateway remembers the tokens it verified (scripts/stack/gateway/jwt.ts,
 * createJwtVerifier) so that a client's token is not verified again on each
 * request. The memory must never make a token valid for longer, or earlier,
 * than its claims say: checked on /functions/v1, where the gateway itself
 * refuses a bad JWT (401 "Invalid JWT") before the function runs.
 */
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { stack } from "./harness.ts";

const health = `${stack.apiUrl}/functions/v1/health`;
const secret = new TextEncoder().encode(stack.jwtSecret);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function token(claims: { exp: number; nbf?: number }, key = secret) {
  return new SignJWT({ sub: crypto.randomUUID(), role: "authenticated", aud: "authenticated", ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(key);
}

async function callHealth(jwt: string) {
  const res = await fetch(health, { headers: { apikey: stack.anonKey, authorization: `Bearer ${jwt}` } });
  return { status: res.status, body: await res.text() };
}

describe("the gateway's memory of verified tokens", () => {
  it("a token accepted (and remembered) is refused once it expires", { timeout: 20_000 }, async () => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = await token({ exp: now + 2 });
    for (let i = 0; i < 3; i++) expect((await callHealth(jwt)).status).toBe(200);
    await sleep((now + 2) * 1000 - Date.now() + 200);
    const expired = await callHealth(jwt);
    expect(expired.status).toBe(401);
    expect(JSON.parse(expired.body)).toEqual({ code: 401, message: "Invalid JWT" });
  });

  it("a token not valid yet (nbf) is refused, then accepted from its nbf", { timeout: 20_000 }, async () => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = await token({ nbf: now + 2, exp: now + 60 });
    expect((await callHealth(jwt)).status).toBe(401);
    await sleep((now + 2) * 1000 - Date.now() + 200);
    expect((await callHealth(jwt)).status).toBe(200);
  });

  it("a remembered token's claims signed with another key are refused", async () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const good = await token({ exp });
    expect((await callHealth(good)).status).toBe(200);
    // Same header and claims, another signature: a different token, verified on its own.
    const forged = `${good.split(".").slice(0, 2).join(".")}.${(await token({ exp }, new TextEncoder().encode("another-secret-of-at-least-32-characters!"))).split(".")[2]}`;
    const refused = await callHealth(forged);
    expect(refused.status).toBe(401);
  });
});
