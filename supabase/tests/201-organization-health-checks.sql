-- The back office's health page: public.organization_health_checks(org) runs
-- the organization-level operator checks on one organization's rows, for its
-- owners and admins only; platform checks (RLS coverage, pg_cron, storage)
-- never appear. Rolled back.
begin;
select plan(18);

-- Seed identities (supabase/seed.sql).
create function pg_temp.uid(p_name text) returns uuid language sql as $$
  select case p_name
    when 'owner_a'      then 'a0000000-0000-4000-8000-000000000001'
    when 'dispatcher_a' then 'a0000000-0000-4000-8000-000000000002'
    when 'tech_a'       then 'a0000000-0000-4000-8000-000000000003'
    when 'accountant_a' then 'a0000000-0000-4000-8000-000000000005'
    when 'client_a'     then 'a0000000-0000-4000-8000-000000000006'
    when 'owner_b'      then 'b0000000-0000-4000-8000-000000000001'
  end::uuid
$$;
create function pg_temp.count_of(p_user uuid, p_org uuid, p_check text) returns bigint language sql as $$
  select (tests.as_user(p_user, pg_catalog.format(
    'select (pg_catalog.jsonb_agg(h.count))->0 from public.organization_health_checks(%L) h where h.name = %L', p_org, p_check)))::bigint
$$;

-- -----------------------------------------------------------------------------
-- What an owner sees
-- -----------------------------------------------------------------------------
select is(
  tests.as_user(pg_temp.uid('owner_a'),
    $$select pg_catalog.jsonb_agg(h.name order by h.name) from public.organization_health_checks('a0000000-0000-4000-8000-0000000000a0') h$$),
  '["credit_notes_invalid", "emergencies_pending_overdue", "invoice_chain", "invoices_sent_without_pdf", "missions_unreachable_status", "notifications_failed_or_stuck", "stock_negative", "timesheets_unapproved_30d"]'::jsonb,
  'an owner gets the eight organization-level checks, and no platform check (rls_coverage, cron_failures_24h, invited_account_removals_overdue, orphaned_attachments)');

select is(
  tests.as_user(pg_temp.uid('owner_a'),
    $$select pg_catalog.jsonb_agg(distinct h.period order by h.period) from public.organization_health_checks('a0000000-0000-4000-8000-0000000000a0') h$$),
  '["daily", "weekly"]'::jsonb,
  'each check says its period');

select is(
  pg_temp.count_of(pg_temp.uid('owner_a'), 'a0000000-0000-4000-8000-0000000000a0', 'emergencies_pending_overdue'),
  (select count(*) from ops.check_emergencies_pending_overdue where org_id = 'a0000000-0000-4000-8000-0000000000a0'),
  'the count is the organization''s offending rows (the seed''s overdue emergency)');

-- An admin (not only the owner) of A.
select tests.create_supabase_user('health-admin-a');
insert into public.memberships (org_id, user_id, role)
values ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('health-admin-a'), 'admin');
select is(
  tests.as_user(tests.get_supabase_uid('health-admin-a'),
    $$select pg_catalog.count(*) from public.organization_health_checks('a0000000-0000-4000-8000-0000000000a0')$$),
  '8'::jsonb, 'an admin gets them too');

-- -----------------------------------------------------------------------------
-- Counted on the organization's rows only
-- -----------------------------------------------------------------------------
select pg_temp.count_of(pg_temp.uid('owner_a'), 'a0000000-0000-4000-8000-0000000000a0', 'emergencies_pending_overdue') as a_before \gset
select pg_temp.count_of(pg_temp.uid('owner_b'), 'b0000000-0000-4000-8000-0000000000b0', 'emergencies_pending_overdue') as b_before \gset

insert into public.emergency_requests (id, org_id, client_id, description, source, created_at) values
  ('c2010000-0000-4000-8000-000000000e01', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1',
   'Fuite oubliée', 'phone', now() - interval '2 hours');

select is(pg_temp.count_of(pg_temp.uid('owner_b'), 'b0000000-0000-4000-8000-0000000000b0', 'emergencies_pending_overdue'),
  (:b_before + 1)::bigint, 'an overdue emergency of organization B counts for B');
select is(pg_temp.count_of(pg_temp.uid('owner_a'), 'a0000000-0000-4000-8000-0000000000a0', 'emergencies_pending_overdue'),
  :a_before::bigint, '… and not for A');
select is(
  tests.as_user(pg_temp.uid('owner_b'),
    $$select h.sample from public.organization_health_checks('b0000000-0000-4000-8000-0000000000b0') h where h.name = 'emergencies_pending_overdue'$$)
    @> '["c2010000-0000-4000-8000-000000000e01"]'::jsonb,
  true, 'the sample lists the organization''s own offending rows');
select is(
  tests.as_user(pg_temp.uid('owner_b'),
    $$select pg_catalog.to_jsonb(h.ok) from public.organization_health_checks('b0000000-0000-4000-8000-0000000000b0') h where h.name = 'emergencies_pending_overdue'$$),
  'false'::jsonb, 'a check with offending rows is not ok');

-- A negative stock item is found through the organization column its view gained.
-- (The schema forbids it: the constraint is dropped inside this transaction.)
alter table public.stock_items drop constraint stock_items_on_hand_not_negative;
set local session_replication_role = replica;
update public.stock_items set on_hand = -3
 where id = (select id from public.stock_items where org_id = 'b0000000-0000-4000-8000-0000000000b0' order by id limit 1);
set local session_replication_role = origin;
select is(pg_temp.count_of(pg_temp.uid('owner_b'), 'b0000000-0000-4000-8000-0000000000b0', 'stock_negative'),
  1::bigint, 'stock_negative counts B''s negative item');
select is(pg_temp.count_of(pg_temp.uid('owner_a'), 'a0000000-0000-4000-8000-0000000000a0', 'stock_negative'),
  (select count(*) from ops.check_stock_negative where org_id = 'a0000000-0000-4000-8000-0000000000a0'), '… and A only its own');
select is((select count(*) from ops.health_checks('all')), 12::bigint, 'ops.health_checks still runs every check');

-- -----------------------------------------------------------------------------
-- Who may ask
-- -----------------------------------------------------------------------------
select tests.throws_as_user(u, s, e, m, d) from (values
  (pg_temp.uid('dispatcher_a'), $$select pg_catalog.count(*) from public.organization_health_checks('a0000000-0000-4000-8000-0000000000a0')$$,
   '42501', 'Only the owners and administrators of the organization see its health checks', 'a dispatcher is refused'),
  (pg_temp.uid('tech_a'), $$select pg_catalog.count(*) from public.organization_health_checks('a0000000-0000-4000-8000-0000000000a0')$$,
   '42501', 'Only the owners and administrators of the organization see its health checks', 'a technician is refused'),
  (pg_temp.uid('accountant_a'), $$select pg_catalog.count(*) from public.organization_health_checks('a0000000-0000-4000-8000-0000000000a0')$$,
   '42501', 'Only the owners and administrators of the organization see its health checks', 'an accountant is refused'),
  (pg_temp.uid('client_a'), $$select pg_catalog.count(*) from public.organization_health_checks('a0000000-0000-4000-8000-0000000000a0')$$,
   '42501', 'Only the owners and administrators of the organization see its health checks', 'a client portal user is refused'),
  (pg_temp.uid('owner_b'), $$select pg_catalog.count(*) from public.organization_health_checks('a0000000-0000-4000-8000-0000000000a0')$$,
   'P0002', 'No organization a0000000-0000-4000-8000-0000000000a0 of yours', 'another organization''s admin learns nothing about it'),
  (pg_temp.uid('owner_a'), $$select pg_catalog.count(*) from public.organization_health_checks(null)$$,
   '22004', 'Name the organization whose health checks to run (p_org)', 'no organization: a clear error')
) t (u, s, e, m, d);

select throws_ok($$select tests.as_anon('select pg_catalog.count(*) from public.organization_health_checks(''a0000000-0000-4000-8000-0000000000a0'')')$$,
  '42501', null, 'anon cannot call it');

select * from finish();
rollback;
