-- Reverts 20261204170100_fec_export.sql: drops what it created, in reverse order.
delete from ops.lint_allowlist where object in ('public.fec_file_name(uuid,date)', 'public.export_fec(uuid,date)', 'public.export_fec_text(uuid,date)');
drop function if exists public.export_fec_text(uuid, date);
drop function if exists public.export_fec(uuid, date);
drop function if exists public.fec_file_name(uuid, date);
drop function if exists private.fec_check_request(uuid, date);
drop function if exists private.fec_amount(bigint);
drop function if exists private.fec_text(text);
