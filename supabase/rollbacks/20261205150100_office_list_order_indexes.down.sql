-- Reverts 20261205150100_office_list_order_indexes.sql: drops the three list indexes.
drop index if exists public.payments_org_created_idx;
drop index if exists public.quotes_org_created_idx;
drop index if exists public.invoices_org_created_idx;
