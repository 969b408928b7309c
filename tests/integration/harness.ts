/**
 * What every integration test needs from the harness (scripts/stack/test-runner.ts
 * exports these before vitest runs): where the throw-away stack is and its keys.
 */
import pg from "pg";
import { createNodeClient, type TerrainClient } from "../../scripts/stack/supabase-client.ts";

export type { TerrainClient };

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the integration tests through \`npm test\`.`);
  return value;
}

export const stack = {
  apiUrl: requiredEnv("TERRAIN_API_URL").replace(/\/$/, ""),
  anonKey: requiredEnv("TERRAIN_ANON_KEY"),
  serviceRoleKey: requiredEnv("TERRAIN_SERVICE_ROLE_KEY"),
  jwtSecret: requiredEnv("TERRAIN_JWT_SECRET"),
  dbUrl: requiredEnv("TERRAIN_DB_URL"),
};

/**
 * A real supabase-js client against the stack, with no session persistence
 * between tests and the `ws` realtime transport (scripts/stack/supabase-client.ts).
 * With `accessToken`, every request carries that user token instead of the key
 * (what a signed-in browser sends).
 */
export function supabaseClient(key = stack.anonKey, accessToken?: string): TerrainClient {
  return createNodeClient(stack.apiUrl, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    ...(accessToken ? { global: { headers: { Authorization: `Bearer ${accessToken}` } } } : {}),
  });
}

/** A superuser connection to the stack's database, for arranging and checking state. */
export async function withDb<T>(fn: (c: pg.Client) => Promise<T>, url = stack.dbUrl): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
