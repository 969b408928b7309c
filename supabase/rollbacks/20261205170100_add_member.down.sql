-- Down file of supabase/migrations/20261205170100_add_member.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Written by hand: the lint allowlist entry, the RPC, then its two catalogue codes.

delete from ops.lint_allowlist where object = 'public.add_member(uuid,text,public.member_role,uuid)';
drop function public.add_member(p_org_id uuid, p_email text, p_role public.member_role, p_client_id uuid);
delete from private.api_errors where code in ('account_not_found', 'already_member');
