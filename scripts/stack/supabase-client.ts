/**
 * supabase-js for Node code of this repository (integration tests, scripts).
 *
 * supabase-js builds its realtime client inside createClient, and realtime-js
 * needs a WebSocket implementation: Node 22+ has one built in, Node 20 (the
 * minimum in package.json `engines`, and what Debian and CI run) does not, so
 * createClient throws there. Every Node-side client therefore gets the `ws`
 * package as its realtime transport. Browsers (web/) have WebSocket and use
 * createClient directly.
 */
import { createClient, type SupabaseClient, type SupabaseClientOptions } from "@supabase/supabase-js";
import WebSocket from "ws";
import type { Database } from "../../types/database.ts";

/** supabase-js typed by the generated schema (types/database.ts, `npm run db:types`). */
export type TerrainClient = SupabaseClient<Database>;

export function createNodeClient(url: string, key: string, options: SupabaseClientOptions<"public"> = {}): TerrainClient {
  return createClient<Database>(url, key, {
    ...options,
    // ws implements the browser WebSocket API realtime-js expects.
    realtime: { ...options.realtime, transport: WebSocket as unknown as NonNullable<NonNullable<SupabaseClientOptions<"public">["realtime"]>["transport"]> },
  });
}
