-- The daily health check invited_account_removals_overdue: an account that
-- revoke_invitation banned and queued (private.invited_account_removals) is
-- deleted through Supabase Auth within minutes (invite-member right after the
-- revoke, its sweep remove-revoked-accounts every five minutes). One still
-- queued after 30 minutes means the deletions are failing or the sweep is not
-- scheduled: the check fails and lists it (ids and queue time, no address).
-- A platform check: the organization that revoked cannot fix it, so its
-- health page does not show it. Rolled back.
begin;
select plan(16);

select tests.create_supabase_user(who, who || '@tests.terrain.test')
from unnest('{rq-fresh,rq-stuck,rq-older}'::text[]) who;

create function pg_temp.queue(p_identifier text, p_age interval) returns void language sql as $$
  insert into private.invited_account_removals (user_id, org_id, email, queued_at)
  values (tests.get_supabase_uid(p_identifier), 'a0000000-0000-4000-8000-0000000000a0',
          p_identifier || '@tests.terrain.test', now() - p_age)
$$;
create function pg_temp.check_row() returns record language sql as $$
  select (h.ok, h.count, h.details) from ops.health_checks('daily') h where h.name = 'invited_account_removals_overdue'
$$;
create function pg_temp.detail_of(p_identifier text) returns jsonb language sql as $$
  select pg_catalog.jsonb_build_object('user_id', r.user_id, 'org_id', r.org_id, 'queued_at', r.queued_at)
    from private.invited_account_removals r where r.user_id = tests.get_supabase_uid(p_identifier)
$$;

-- ------------------------------------------------------------------ in the catalogue
select results_eq(
  $$select cadence, org_column, org_function from ops.health_check_catalog where name = 'invited_account_removals_overdue'$$,
  $$values ('daily'::text, null::name, null::name)$$,
  'a daily platform check (no organization-level function)');
select is(
  (select count(*) from ops.health_checks('daily') where name = 'invited_account_removals_overdue'), 1::bigint,
  'ops.health_checks runs it with the daily checks (npm run health, the health function''s summary, /metrics)');

-- ------------------------------------------------------------------ passing
select is(pg_temp.check_row(), row(true, 0::bigint, '{"accounts": []}'::jsonb),
  'an empty queue passes');
select pg_temp.queue('rq-fresh', interval '29 minutes');
select is(pg_temp.check_row(), row(true, 0::bigint, '{"accounts": []}'::jsonb),
  'an account queued 29 minutes ago passes: the sweep has time to delete it');

-- ------------------------------------------------------------------ failing
select pg_temp.queue('rq-stuck', interval '31 minutes');
select pg_temp.queue('rq-older', interval '3 hours');
select is(pg_temp.check_row(),
  row(false, 2::bigint, pg_catalog.jsonb_build_object('accounts', pg_catalog.jsonb_build_array(pg_temp.detail_of('rq-older'), pg_temp.detail_of('rq-stuck')))),
  'accounts queued for over 30 minutes fail the check, listed oldest first');
select ok(
  (select not (h.details::text like '%@tests.terrain.test%') from ops.health_checks('daily') h where h.name = 'invited_account_removals_overdue'),
  'the details name no email address');
select results_eq(
  $$select user_id, org_id from ops.check_invited_account_removals_overdue order by sample_rank$$,
  $$values (tests.get_supabase_uid('rq-older'), 'a0000000-0000-4000-8000-0000000000a0'::uuid),
           (tests.get_supabase_uid('rq-stuck'), 'a0000000-0000-4000-8000-0000000000a0'::uuid)$$,
  'the check''s view lists them for psql, with the organization whose invitation was revoked');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000001',
    $$select pg_catalog.jsonb_agg(h.name) from public.organization_health_checks('a0000000-0000-4000-8000-0000000000a0') h
       where h.name = 'invited_account_removals_overdue'$$),
  null, 'the organization''s health page does not show it (a platform check)');

-- ------------------------------------------------------------------ drained
-- What Supabase Auth's admin delete does; the queue row goes with the account.
delete from auth.users where id in (tests.get_supabase_uid('rq-stuck'), tests.get_supabase_uid('rq-older'));
select is(pg_temp.check_row(), row(true, 0::bigint, '{"accounts": []}'::jsonb),
  'once the accounts are deleted, the check passes again');

-- ------------------------------------------------------------------ who reads it
select is(tests.count_as('service_role', 'select * from ops.check_invited_account_removals_overdue'), 0::bigint,
  'service_role reads the check''s view (as the other checks)');
select throws_ok($$select tests.count_as('authenticated', 'select * from ops.check_invited_account_removals_overdue')$$,
  '42501', null, 'authenticated cannot read it');
select throws_ok($$select tests.count_as('anon', 'select * from ops.check_invited_account_removals_overdue')$$,
  '42501', null, 'anon cannot read it');
select is(
  (select array_agg(r order by r) from unnest('{anon,authenticated,service_role}'::text[]) r
    where has_table_privilege(r, 'private.invited_account_removals', 'select,insert,update,delete')),
  null, 'the queue itself stays closed to every API role');

-- ------------------------------------------------------------------ cheap
select has_index('private', 'invited_account_removals', 'invited_account_removals_queued_at_idx', array['queued_at', 'user_id'],
  'the queue is indexed in the order the check lists it (queue time, then account)');
create function pg_temp.check_plan() returns setof text language plpgsql as $$
declare
  v_line text;
begin
  for v_line in execute 'explain select * from ops.check_invited_account_removals_overdue' loop
    return next v_line;
  end loop;
end $$;
-- The queue is small here: make the other scans expensive so the plan shows
-- whether the index can serve the check's condition and order at all.
set local enable_seqscan = off;
set local enable_bitmapscan = off;
select ok(exists (select from pg_temp.check_plan() l where l like '%invited_account_removals_queued_at_idx%'),
  'the check reads only the overdue rows, through the index');
select ok(not exists (select from pg_temp.check_plan() l where l like '%Sort%'),
  'and in index order, without sorting the queue');
set local enable_seqscan = on;
set local enable_bitmapscan = on;

select * from finish();
rollback;
