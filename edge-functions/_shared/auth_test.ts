import assert from "node:assert/strict";
import { bearerRole, bearerUserId, isServiceRole } from "./auth.ts";

const b64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const token = (payload: unknown) => `${b64url({ alg: "HS256" })}.${b64url(payload)}.signature`;
const withAuth = (authorization?: string) =>
  new Request("http://x/fn", authorization ? { headers: { authorization } } : {});

Deno.test("bearerRole reads the role claim of a bearer JWT", () => {
  assert.equal(bearerRole(withAuth(`Bearer ${token({ role: "service_role" })}`)), "service_role");
  assert.equal(bearerRole(withAuth(`bearer ${token({ role: "anon" })}`)), "anon");
  assert.equal(isServiceRole(withAuth(`Bearer ${token({ role: "service_role" })}`)), true);
});

Deno.test("bearerRole: no header, not a JWT, no role claim, bad payload → null", () => {
  assert.equal(bearerRole(withAuth()), null);
  assert.equal(bearerRole(withAuth("Basic dXNlcjpwdw==")), null);
  assert.equal(bearerRole(withAuth("Bearer not-a-jwt")), null);
  assert.equal(bearerRole(withAuth(`Bearer ${token({ sub: "x" })}`)), null);
  assert.equal(bearerRole(withAuth("Bearer aaa.%%%.ccc")), null);
  assert.equal(isServiceRole(withAuth(`Bearer ${token({ role: "anon" })}`)), false);
});

Deno.test("bearerUserId: the sub of an authenticated token only", () => {
  const sub = "a0000000-0000-4000-8000-000000000003";
  assert.equal(bearerUserId(withAuth(`Bearer ${token({ role: "authenticated", sub })}`)), sub);
  assert.equal(bearerUserId(withAuth(`Bearer ${token({ role: "service_role", sub })}`)), null);
  assert.equal(bearerUserId(withAuth(`Bearer ${token({ role: "anon" })}`)), null);
  assert.equal(bearerUserId(withAuth(`Bearer ${token({ role: "authenticated" })}`)), null);
  assert.equal(bearerUserId(withAuth()), null);
});
