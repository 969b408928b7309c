-- Down file of supabase/migrations/20261207140200_last_invoice_chain_verifications.sql: returns the
-- database to the state before that migration (docs/conventions.md § Reversible migrations).
delete from ops.lint_allowlist
 where rule = 'authenticated_security_definer_function_executable' and object = 'public.last_invoice_chain_verifications(uuid)';
drop function public.last_invoice_chain_verifications(uuid);
