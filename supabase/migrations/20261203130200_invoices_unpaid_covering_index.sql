-- =============================================================================
-- The unpaid-invoice index covers the overdue alert view.
--
-- The overdue-invoice alert candidates (private.alert_candidates_invoices_overdue,
-- and public.alert_invoices_overdue) are evaluated by every alert check (each
-- minute). Through invoices_unpaid_due_idx (org_id, due_date) it fetched one
-- heap page per overdue invoice: at 200,000 invoices (40,000 unpaid) 3,661
-- heap blocks for 3,681 rows per 10 organizations — the invoices of an
-- organization are spread over the whole table. With the columns the view
-- returns in the index, the scan is index-only (the issued invoices it lists
-- are immutable apart from their payment status, so their pages stay
-- all-visible between vacuums).
-- =============================================================================

create index invoices_unpaid_due_covering_idx on public.invoices (org_id, due_date)
  include (id, number, client_id, total_ttc_cents, status)
  where kind = 'invoice' and status in ('sent', 'partially_paid');
drop index public.invoices_unpaid_due_idx;
alter index public.invoices_unpaid_due_covering_idx rename to invoices_unpaid_due_idx;
