import type { SupabaseClient } from "@supabase/supabase-js";
import type { Database } from "../../types/database.ts";

/** supabase-js typed by the generated schema (types/database.ts, `npm run db:types`). */
export type TerrainClient = SupabaseClient<Database>;
