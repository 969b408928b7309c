-- =============================================================================
-- The back office lists invoices, quotes and payments newest first, a page at
-- a time, resuming after the last row shown (keyset: created_at, id). Without
-- an index in that order, every page sorts all of the organization's
-- documents (an organization issuing 200,000 invoices a year would sort them
-- all for each page of 50); with it, a page reads its 51 index entries.
-- The screens always filter on org_id (the RLS policies' column, first here).
-- =============================================================================

create index invoices_org_created_idx on public.invoices (org_id, created_at desc, id desc);
comment on index public.invoices_org_created_idx is
  'Back-office invoice list: newest first, keyset pages on (created_at, id) within an organization.';

create index quotes_org_created_idx on public.quotes (org_id, created_at desc, id desc);
comment on index public.quotes_org_created_idx is
  'Back-office quote list: newest first, keyset pages on (created_at, id) within an organization.';

create index payments_org_created_idx on public.payments (org_id, created_at desc, id desc);
comment on index public.payments_org_created_idx is
  'Back-office payment list: newest first within an organization.';
