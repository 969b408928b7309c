/**
 * The account deletion behind POST /invite-member/revoke, through the real
 * supabase-js admin client against a local fake of Supabase Auth's admin API
 * (Deno.serve on 127.0.0.1): the request must be GoTrue's admin delete, made
 * with the service role, and its answers mean what GoTrue's mean.
 */
import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import { supabaseMemberDirectory } from "./store.ts";

const USER = "c0000000-0000-4000-8000-000000000001";
const SERVICE_ROLE_KEY = "service-role-key-for-this-test";

interface SeenRequest {
  method: string;
  path: string;
  authorization: string | null;
  apikey: string | null;
}

/** GoTrue's answers: the user for GET /admin/users/<id>, an empty object for its DELETE. */
const USER_JSON = {
  id: USER,
  aud: "authenticated",
  role: "authenticated",
  email: "pending@example.test",
};
type Answer = (method: string) => [number, unknown];
const gotrue: Answer = (method) => method === "GET" ? [200, USER_JSON] : [200, {}];

/** A fake auth admin API answering as `answer` says; what it was asked. */
async function withFakeAuth(
  answer: Answer,
  run: (url: string) => Promise<void>,
): Promise<SeenRequest[]> {
  const seen: SeenRequest[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    seen.push({
      method: req.method,
      path: new URL(req.url).pathname,
      authorization: req.headers.get("authorization"),
      apikey: req.headers.get("apikey"),
    });
    await req.body?.cancel();
    const [status, body] = answer(req.method);
    return Response.json(body, { status });
  });
  try {
    await run(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
  return seen;
}

function directoryAt(url: string) {
  const service = createClient(url, SERVICE_ROLE_KEY, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
  return supabaseMemberDirectory(() => {
    throw new Error("deleting an account never acts as the caller");
  }, () => service);
}

Deno.test("deleteAccount: DELETE /auth/v1/admin/users/<id> with the service role", async () => {
  const seen = await withFakeAuth(gotrue, (url) => directoryAt(url).deleteAccount(USER));
  const asService = {
    path: `/auth/v1/admin/users/${USER}`,
    authorization: `Bearer ${SERVICE_ROLE_KEY}`,
    apikey: SERVICE_ROLE_KEY,
  };
  // auth-js reads the user first (its answer to deleteUser is the deleted user), then deletes it.
  assert.deepEqual(seen, [{ method: "GET", ...asService }, { method: "DELETE", ...asService }]);
});

Deno.test("deleteAccount: an account already gone (404 user_not_found) counts as deleted", async () => {
  const seen = await withFakeAuth(
    () => [404, { code: "user_not_found", msg: "User not found" }],
    (url) => directoryAt(url).deleteAccount(USER),
  );
  assert.deepEqual(seen.map((r) => r.method), ["GET"]);
});

Deno.test("deleteAccount: any other failure is thrown, for the handler to report the account remains", async () => {
  const failing: Answer = (method) =>
    method === "GET"
      ? [200, USER_JSON]
      : [500, { code: "unexpected_failure", msg: "Database error deleting user" }];
  await withFakeAuth(failing, async (url) => {
    await assert.rejects(directoryAt(url).deleteAccount(USER), /Supabase Auth delete failed: 500/);
  });
});
