/**
 * The db-pre-request slot: a migration switches a hook on from SQL
 * (`alter role authenticator in database … set pgrst.db_pre_request`, then
 * `notify pgrst, 'reload config'`) and it runs before every API request,
 * able to answer with its own status and headers. The rate limiter of the
 * security issue plugs in here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stack, withDb } from "./harness.ts";

const rest = `${stack.apiUrl}/rest/v1`;

async function rpcStatus(headers: Record<string, string> = {}) {
  const res = await fetch(`${rest}/rpc/it_hook_probe`, {
    method: "POST",
    headers: { apikey: stack.anonKey, "content-type": "application/json", ...headers },
    body: "{}",
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: (await res.json()) as Record<string, unknown> };
}

/** The hook configured before this file ran (the rate limiter's), put back afterwards. */
let previousHook: string | null = null;

beforeAll(async () => {
  await withDb(async (c) => {
    const { rows } = await c.query<{ hook: string | null }>(`
      select (select split_part(cfg, '=', 2)
                from pg_db_role_setting s
                join pg_roles r on r.oid = s.setrole, unnest(s.setconfig) cfg
               where r.rolname = 'authenticator' and cfg like 'pgrst.db_pre_request=%'
                 and s.setdatabase = (select oid from pg_database where datname = current_database())) as hook`);
    previousHook = rows[0]?.hook ?? null;
    await c.query(`
      create or replace function public.it_hook_probe() returns text language sql as $$ select 'reached' $$;
      grant execute on function public.it_hook_probe() to anon;
      create or replace function public.it_pre_request() returns void language plpgsql as $$
      begin
        if current_setting('request.headers', true)::json ->> 'x-it-throttle' = 'yes' then
          raise sqlstate 'PGRST' using
            message = '{"code":"rate_limited","message":"Too many requests"}',
            detail = '{"status":429,"headers":{"Retry-After":"30"}}';
        end if;
      end $$;
      grant execute on function public.it_pre_request() to anon, authenticated, service_role;
      alter role authenticator in database postgres set pgrst.db_pre_request = 'public.it_pre_request';
      notify pgrst, 'reload schema';
      notify pgrst, 'reload config';
    `);
  });
  // Config and schema reload asynchronously: wait until the hook answers.
  for (let i = 0; i < 100; i++) {
    if ((await rpcStatus({ "x-it-throttle": "yes" })).status === 429) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("PostgREST never picked up the pre-request hook");
});

afterAll(async () => {
  await withDb(async (c) => {
    await c.query(
      previousHook
        ? `alter role authenticator in database postgres set pgrst.db_pre_request = '${previousHook.replace(/'/g, "''")}'`
        : "alter role authenticator in database postgres reset pgrst.db_pre_request",
    );
    await c.query(`
      notify pgrst, 'reload config';
      drop function if exists public.it_pre_request();
      drop function if exists public.it_hook_probe();
      notify pgrst, 'reload schema';
    `);
  });
});

describe("PostgREST db-pre-request hook set from SQL", () => {
  it("runs before the request and can answer 429 with Retry-After and a JSON error", async () => {
    const r = await rpcStatus({ "x-it-throttle": "yes" });
    expect(r.status).toBe(429);
    expect(r.retryAfter).toBe("30");
    expect(r.body).toMatchObject({ code: "rate_limited", message: "Too many requests" });
  });

  it("lets other requests through", async () => {
    const r = await rpcStatus();
    expect(r.status).toBe(200);
    expect(r.body).toBe("reached");
  });
});
