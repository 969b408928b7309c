-- Reverts 20261205150000_invoice_email_status.sql: drops what it created, in reverse order.
delete from ops.lint_allowlist where object = 'public.invoice_email_status(uuid)';
drop function if exists public.invoice_email_status(uuid);
