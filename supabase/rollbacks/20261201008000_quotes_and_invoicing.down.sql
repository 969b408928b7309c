-- Down file of supabase/migrations/20261201008000_quotes_and_invoicing.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- triggers, policies, constraints and indexes it added to existing tables
alter table public.timesheets drop constraint timesheets_invoice_fkey;

-- objects it created, dependents first
drop table public.quote_lines;
drop table public.quotes;
drop table public.payments;
drop table public.invoice_lines;
drop table private.invoice_counters;
drop table private.invoice_chain_heads;
drop function private.invoice_row_hash(p_inv public.invoices);
drop function private.invoice_missing_mentions(p_inv public.invoices);
drop function private.invoice_legal_mentions(p_inv public.invoices);
drop function private.invoice_canonical(p_inv public.invoices);
drop table public.invoices;
drop function public.verify_invoice_chain(p_org_id uuid);
drop function public.send_quote(p_quote_id uuid);
drop function public.reconcile_payments(p_org_id uuid);
drop function public.mark_invoice_sent(p_invoice_id uuid, p_pdf_sha256 text);
drop function public.issue_invoice(p_invoice_id uuid);
drop function public.bulk_invoice_missions(p_mission_ids uuid[]);
drop function private.validate_credit_note();
drop function private.refuse_non_finite_line_quantity();
drop function private.refresh_document_totals();
drop function private.org_today(p_org_id uuid);
drop function private.next_document_sequence(p_org_id uuid, p_series text, p_fiscal_year integer);
drop function private.lock_document_counter(p_org_id uuid, p_series text, p_fiscal_year integer);
drop function private.invoice_mission(p_mission_id uuid);
drop function private.guard_quote_updates();
drop function private.guard_payments();
drop function private.guard_invoice_updates();
drop function private.guard_document_line_changes();
drop function private.format_cents(p_cents bigint);
drop function private.expire_quotes();
drop function private.document_number(p_series text, p_fiscal_year integer, p_sequence bigint);
drop function private.derive_quote_fields();
drop function private.derive_invoice_fields();
drop function private.authorize_invoicing(p_org_id uuid, p_allowed public.member_role[], p_action text, p_what text);
drop type public.quote_status;
drop type public.invoice_status;
drop type public.invoice_kind;
