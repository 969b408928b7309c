-- Down file of supabase/migrations/20261201002000_tenancy.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- pg_cron jobs the migration scheduled
select cron.unschedule('purge-idempotency-keys');

-- triggers, policies, constraints and indexes it added to existing tables
drop trigger on_auth_user_created on auth.users;

-- objects it created, dependents first
drop table public.profiles;
drop table public.idempotency_keys;
drop table public.memberships;
drop table public.organizations;
drop function public.transfer_ownership(p_org_id uuid, p_to_user_id uuid, p_keep_current_as public.member_role);
drop function private.touch_updated_at();
drop function private.require_live_session();
drop function private.purge_idempotency_keys(p_older_than interval);
drop function private.my_org_ids();
drop function private.member_role_in(target_org uuid);
drop function private.luhn_ok(digits text);
drop function private.is_system_actor();
drop function private.idempotency_store(p_org uuid, p_key text, p_operation text, p_request jsonb, p_result jsonb);
drop function private.idempotency_request_hash(p_request jsonb);
drop function private.idempotency_lookup(p_org uuid, p_key text, p_operation text, p_request jsonb);
drop function private.idempotency_lock(p_org uuid, p_key text);
drop function private.has_role_in(target_org uuid, allowed public.member_role[]);
drop function private.handle_new_auth_user();
drop function private.guard_membership_change();
drop function private.check_organization_timezone();
drop function private.assert_live_session();
drop domain public.fr_vat_rate;
drop type public.member_role;
