-- Reverts 20261204170300_journal_csv_export.sql: drops what it created, in reverse order.
delete from ops.lint_allowlist where object = 'public.export_journal_csv(uuid,text,date,date)';
drop function if exists public.export_journal_csv(uuid, text, date, date);
drop function if exists private.csv_semicolon_field(text);
