-- DRAFT down file of 20261204120100_invoice_pdfs.sql

-- rows the migration wrote into tables that existed before it (triggers off: configuration, not business events)
set local session_replication_role = replica;
delete from private.api_errors where code = 'invoice_not_issued';
delete from private.permission_matrix where table_name = 'public.invoice_pdfs' and role = 'owner' and operation = 'select';
delete from private.permission_matrix where table_name = 'public.invoice_pdfs' and role = 'admin' and operation = 'select';
delete from private.permission_matrix where table_name = 'public.invoice_pdfs' and role = 'accountant' and operation = 'select';
delete from private.permission_matrix where table_name = 'public.invoice_pdfs' and role = 'client' and operation = 'select';
delete from audit.unaudited_tables where table_name = 'public.invoice_pdfs';
set local session_replication_role = origin;

-- objects it created, newest first
drop function public.verify_invoice_pdf(p_invoice_id uuid, p_rendered bytea) cascade;
drop function public.store_invoice_pdf(p_invoice_id uuid, p_pdf bytea) cascade;
drop function public.invoice_pdf_source(p_invoice_id uuid) cascade;
drop function private.refuse_invoice_pdf_change() cascade;
drop table public.invoice_pdfs cascade;
