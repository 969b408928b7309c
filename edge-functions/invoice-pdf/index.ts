/**
 * /functions/v1/invoice-pdf — renders, stores and verifies the PDF of issued
 * invoices and credit notes (contract in handler.ts). verify_jwt is on
 * (supabase/config.toml): callers present a JWT, and RLS on the caller's token
 * decides which invoices they may read.
 */
import { readSupabaseEnv } from "../_shared/env.ts";
import { createHandler } from "../_shared/http.ts";
import { callerClient, serviceClient } from "../_shared/supabase.ts";
import { createInvoicePdfHandler } from "./handler.ts";
import { renderInvoicePdf } from "./render.ts";
import { postgrestStore } from "./store.ts";

// Validated at boot: a missing variable is this function's boot error, not a 500 later.
readSupabaseEnv();

Deno.serve(
  createHandler(
    "invoice-pdf",
    createInvoicePdfHandler({
      storeFor: (req) => postgrestStore(callerClient(req), serviceClient()),
      render: renderInvoicePdf,
    }),
  ),
);
