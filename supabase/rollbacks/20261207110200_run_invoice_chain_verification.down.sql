-- Down file of supabase/migrations/20261207110200_run_invoice_chain_verification.sql: returns the
-- database to the state before that migration (docs/conventions.md § Reversible migrations).
delete from ops.lint_allowlist
 where rule = 'authenticated_security_definer_function_executable' and object = 'public.run_invoice_chain_verification(uuid)';
drop function public.run_invoice_chain_verification(uuid);
