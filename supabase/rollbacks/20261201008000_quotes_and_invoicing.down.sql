-- DRAFT down file of 20261201008000_quotes_and_invoicing.sql

-- triggers, policies, constraints and indexes it added to existing tables
alter table public.timesheets drop constraint timesheets_invoice_fkey;

-- objects it created, newest first
drop table public.quotes cascade;
drop table public.quote_lines cascade;
drop table public.payments cascade;
drop table public.invoice_lines cascade;
drop table private.invoice_counters cascade;
drop table private.invoice_chain_heads cascade;
drop function private.invoice_row_hash(p_inv public.invoices) cascade;
drop function private.invoice_missing_mentions(p_inv public.invoices) cascade;
drop function private.invoice_legal_mentions(p_inv public.invoices) cascade;
drop function private.invoice_canonical(p_inv public.invoices) cascade;
drop table public.invoices cascade;
drop function public.verify_invoice_chain(p_org_id uuid) cascade;
drop function public.send_quote(p_quote_id uuid) cascade;
drop function public.reconcile_payments(p_org_id uuid) cascade;
drop function public.mark_invoice_sent(p_invoice_id uuid, p_pdf_sha256 text) cascade;
drop function public.issue_invoice(p_invoice_id uuid) cascade;
drop function public.bulk_invoice_missions(p_mission_ids uuid[]) cascade;
drop function private.validate_credit_note() cascade;
drop function private.refuse_non_finite_line_quantity() cascade;
drop function private.refresh_document_totals() cascade;
drop function private.org_today(p_org_id uuid) cascade;
drop function private.next_document_sequence(p_org_id uuid, p_series text, p_fiscal_year integer) cascade;
drop function private.lock_document_counter(p_org_id uuid, p_series text, p_fiscal_year integer) cascade;
drop function private.invoice_mission(p_mission_id uuid) cascade;
drop function private.guard_quote_updates() cascade;
drop function private.guard_payments() cascade;
drop function private.guard_invoice_updates() cascade;
drop function private.guard_document_line_changes() cascade;
drop function private.format_cents(p_cents bigint) cascade;
drop function private.expire_quotes() cascade;
drop function private.document_number(p_series text, p_fiscal_year integer, p_sequence bigint) cascade;
drop function private.derive_quote_fields() cascade;
drop function private.derive_invoice_fields() cascade;
drop function private.authorize_invoicing(p_org_id uuid, p_allowed public.member_role[], p_action text, p_what text) cascade;
drop type public.quote_status cascade;
drop type public.invoice_status cascade;
drop type public.invoice_kind cascade;
