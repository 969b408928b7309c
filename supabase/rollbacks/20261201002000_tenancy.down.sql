-- DRAFT down file of 20261201002000_tenancy.sql

-- pg_cron jobs the migration scheduled
select cron.unschedule('purge-idempotency-keys');

-- triggers, policies, constraints and indexes it added to existing tables
drop trigger on_auth_user_created on auth.users;

-- objects it created, newest first
drop table public.profiles cascade;
drop table public.idempotency_keys cascade;
drop table public.memberships cascade;
drop table public.organizations cascade;
drop function public.transfer_ownership(p_org_id uuid, p_to_user_id uuid, p_keep_current_as public.member_role) cascade;
drop function private.touch_updated_at() cascade;
drop function private.require_live_session() cascade;
drop function private.purge_idempotency_keys(p_older_than interval) cascade;
drop function private.my_org_ids() cascade;
drop function private.member_role_in(target_org uuid) cascade;
drop function private.luhn_ok(digits text) cascade;
drop function private.is_system_actor() cascade;
drop function private.idempotency_store(p_org uuid, p_key text, p_operation text, p_request jsonb, p_result jsonb) cascade;
drop function private.idempotency_request_hash(p_request jsonb) cascade;
drop function private.idempotency_lookup(p_org uuid, p_key text, p_operation text, p_request jsonb) cascade;
drop function private.idempotency_lock(p_org uuid, p_key text) cascade;
drop function private.has_role_in(target_org uuid, allowed public.member_role[]) cascade;
drop function private.handle_new_auth_user() cascade;
drop function private.guard_membership_change() cascade;
drop function private.check_organization_timezone() cascade;
drop function private.assert_live_session() cascade;
drop domain public.fr_vat_rate cascade;
drop type public.member_role cascade;
