-- Reverts 20261204170200_invoice_event_log.sql: drops what it created, in reverse order.
delete from audit.unaudited_tables where table_name = 'public.invoice_log';
delete from ops.lint_allowlist where object in ('public.invoice_log_head(uuid)', 'public.verify_invoice_log(uuid,text,bigint)');
drop function if exists public.verify_invoice_log(uuid, text, bigint);
drop function if exists public.invoice_log_head(uuid);
delete from private.permission_matrix where table_name = 'public.invoice_log';
drop trigger if exists invoice_log_11_no_truncate on public.invoice_log;
drop trigger if exists invoice_log_10_append_only on public.invoice_log;
drop function if exists private.refuse_invoice_log_change();
drop trigger if exists payments_60_log_match on public.payments;
drop trigger if exists payments_60_log_insert on public.payments;
drop function if exists private.log_payment_events();
drop trigger if exists invoices_60_log on public.invoices;
drop function if exists private.log_invoice_events();
drop function if exists private.append_invoice_log(uuid, text, uuid, uuid, jsonb);
drop function if exists private.invoice_log_hash(text, public.invoice_log);
drop function if exists private.invoice_log_canonical(public.invoice_log);
drop table if exists private.invoice_log_heads;
drop table if exists public.invoice_log;
