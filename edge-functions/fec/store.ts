/** The SQL behind the fec function, called through PostgREST as the caller. */
import type { SupabaseClient } from "@supabase/supabase-js";
import { rpc } from "../_shared/supabase.ts";
import type { FecFile, FecRequest, FecStore } from "./handler.ts";

export function postgrestFecStore(clientFor: (req: Request) => SupabaseClient): FecStore {
  return {
    async exportFec(req: Request, request: FecRequest): Promise<FecFile> {
      const client = clientFor(req);
      const args = { p_org_id: request.org_id, p_fiscal_year_end: request.year_end };
      // The name first: it runs the role and parameter checks before the file is built.
      const fileName = await rpc<string>(client, "fec_file_name", args);
      const content = await rpc<string>(client, "export_fec_text", args);
      const [head] = await rpc<{ seq: number; head: string | null }[]>(client, "invoice_log_head", { p_org_id: request.org_id });
      return { fileName, content, logHead: { seq: head?.seq ?? 0, head: head?.head ?? null } };
    },
  };
}
