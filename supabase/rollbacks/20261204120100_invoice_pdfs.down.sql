-- Down file of supabase/migrations/20261204120100_invoice_pdfs.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- rows it wrote into tables that existed before it
delete from private.api_errors where code = 'invoice_not_issued';
delete from private.permission_matrix where table_name = 'public.invoice_pdfs' and role = 'owner' and operation = 'select';
delete from private.permission_matrix where table_name = 'public.invoice_pdfs' and role = 'admin' and operation = 'select';
delete from private.permission_matrix where table_name = 'public.invoice_pdfs' and role = 'accountant' and operation = 'select';
delete from private.permission_matrix where table_name = 'public.invoice_pdfs' and role = 'client' and operation = 'select';
delete from audit.unaudited_tables where table_name = 'public.invoice_pdfs';

-- objects it created, dependents first
drop table public.invoice_pdfs;
drop function public.verify_invoice_pdf(p_invoice_id uuid, p_rendered bytea);
drop function public.store_invoice_pdf(p_invoice_id uuid, p_pdf bytea);
drop function public.invoice_pdf_source(p_invoice_id uuid);
drop function private.refuse_invoice_pdf_change();
