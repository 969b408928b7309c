begin;
-- A sender's failed attempt says whether retrying can help
-- (mark_notification_failed's p_permanent and p_retry_after_seconds): a
-- permanent refusal fails the row at once, a Retry-After postpones the next
-- attempt beyond the backoff, and contradictory or malformed reports are
-- refused without touching the row.
select plan(20);
-- pg_cron's alert checks write notifications in their own transactions: hold
-- them off until this test rolls back.
lock table public.notifications in share row exclusive mode;
create temp table ids (label text primary key, id uuid) on commit drop;
grant select on ids to service_role;
insert into ids
select label, private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000004', 'push',
                                          'mission_blocked', null, null, 'permanent-test:' || label, '{}')
from unnest(array['vapid', 'slow', 'quick', 'huge', 'email_style', 'refused', 'last']) label;

-- One claimed attempt of a row, then the report; returns the row.
create function pg_temp.claim_and_report(p_label text, p_report text) returns public.notifications language plpgsql as $$
declare v public.notifications;
begin
  update public.notifications set next_attempt_at = now() - interval '1 second' where id = (select id from ids where label = p_label);
  perform tests.as_service(format($q$select count(*) from public.claim_pending_notifications('push', 1)$q$));
  perform tests.as_service(format('select to_jsonb(public.mark_notification_failed(%L, %s))', (select id from ids where label = p_label), p_report));
  select * into v from public.notifications where id = (select id from ids where label = p_label);
  return v;
end $$;
-- The statement reporting a row's failure with these extra arguments, as service_role or as a user.
create function pg_temp.report(p_label text, p_args text, p_user uuid default null) returns text language sql as $$
  select format(case when p_user is null then 'select tests.as_service(%L)' else 'select tests.as_user(%3$L, %1$L)' end,
                format('select to_jsonb(public.mark_notification_failed(%L, ''x''%s))', (select id from ids where label = p_label), p_args),
                null, p_user)
$$;
-- Only the row under test is due: the others wait a day.
update public.notifications set next_attempt_at = now() + interval '1 day' where id in (select id from ids);

-- Who may report
select ok(has_function_privilege('service_role', 'public.mark_notification_failed(uuid, text, boolean, integer)', 'execute')
          and not has_function_privilege('authenticated', 'public.mark_notification_failed(uuid, text, boolean, integer)', 'execute')
          and not has_function_privilege('anon', 'public.mark_notification_failed(uuid, text, boolean, integer)', 'execute'),
  'mark_notification_failed is for service_role only');
select is(to_regprocedure('public.mark_notification_failed(uuid, text)'), null,
  'one function: the two-argument form is the same function with its defaults');

-- Permanent: failed at the first attempt, logged, never claimed again.
select results_eq($$select (r).delivery_status, (r).attempts, (r).next_attempt_at is null, (r).last_error
                      from (select pg_temp.claim_and_report('vapid', '''push service answered HTTP 403'', true') r) x$$,
  $$values ('failed'::text, 1, true, 'push service answered HTTP 403'::text)$$,
  'a permanent failure fails the row at its first attempt, error kept, out of the queue');
select results_eq($$select severity, payload -> 'permanent', payload -> 'attempts' from public.app_events
                    where type = 'notification_failed' and entity_id = (select id from ids where label = 'vapid')$$,
  $$values ('warning'::text, 'true'::jsonb, '1'::jsonb)$$,
  'it logs one app_event notification_failed, payload permanent: true');
select is(tests.as_service($$select count(*) from public.claim_pending_notifications('push') where id = (select id from ids where label = 'vapid')$$),
  '0'::jsonb, 'a permanently failed row is never claimed again');
select throws_ok($$select tests.as_service($q$select to_jsonb(public.mark_notification_sent((select id from ids where label = 'vapid')))$q$)$$,
  '55000', null, 'nor marked sent');

-- Retry-After: the longer of it and the backoff, at most one day.
select is((pg_temp.claim_and_report('slow', '''HTTP 429'', false, 300')).next_attempt_at - now(), interval '5 minutes',
  'a Retry-After longer than the backoff (1 min at attempt 1) postpones the next attempt to it');
select is((pg_temp.claim_and_report('quick', '''HTTP 429'', false, 10')).next_attempt_at - now(), interval '1 minute',
  'a Retry-After shorter than the backoff leaves the backoff');
select is((pg_temp.claim_and_report('huge', '''HTTP 429'', false, 864000')).next_attempt_at - now(), interval '1 day',
  'a Retry-After of ten days is capped at one day (a push message lives one day)');
select results_eq($$select delivery_status, attempts, last_error from public.notifications where id = (select id from ids where label = 'slow')$$,
  $$values ('pending'::text, 1, 'HTTP 429'::text)$$, 'a rate-limited row stays pending, its attempt counted');
select is((pg_temp.claim_and_report('email_style', '''smtp 451''')).next_attempt_at - now(), interval '1 minute',
  'the two-argument report (the email sender) keeps the plain backoff');

-- The attempt limit still applies with a Retry-After.
update public.notifications set attempts = 4 where id = (select id from ids where label = 'last');
select results_eq($$select (r).delivery_status, (r).attempts from (select pg_temp.claim_and_report('last', '''HTTP 429'', false, 30') r) x$$,
  $$values ('failed'::text, 5)$$, 'at the 5th attempt a rate-limited row fails for good too');
select is((select payload -> 'permanent' from public.app_events where type = 'notification_failed' and entity_id = (select id from ids where label = 'last')),
  'false'::jsonb, '… logged with permanent: false');

-- Refusals change nothing.
update public.notifications set next_attempt_at = now() - interval '1 second' where id = (select id from ids where label = 'refused');
select is(tests.as_service($$select count(*) from public.claim_pending_notifications('push', 1)$$), '1'::jsonb, 'the refused-report row is claimed');
create temp table refused_before on commit drop as select * from public.notifications where id = (select id from ids where label = 'refused');
select throws_ok(pg_temp.report('refused', ', false, -1'),
  '22023', 'mark_notification_failed: retry_after_seconds must be 0 or more, got -1', 'a negative wait is refused');
select throws_ok(pg_temp.report('refused', ', true, 60'),
  '22023', 'mark_notification_failed: a permanent failure is not retried, so it takes no retry_after_seconds',
  'a permanent failure with a wait is refused');
select throws_ok(pg_temp.report('refused', ', null'),
  '22023', 'mark_notification_failed: permanent must be true or false, got null', 'permanent null is refused');
select results_eq($$select to_jsonb(n) from public.notifications n where id = (select id from ids where label = 'refused')$$,
  $$select to_jsonb(b) from refused_before b$$, 'after the refused reports the row is unchanged');
select throws_ok($$select tests.as_service('select to_jsonb(public.mark_notification_failed(''00000000-0000-4000-8000-000000000000'', ''x'', true))')$$,
  'P0002', 'notification 00000000-0000-4000-8000-000000000000 not found', 'an unknown id is refused');
select throws_ok(pg_temp.report('refused', ', true', 'a0000000-0000-4000-8000-000000000004'),
  '42501', null, 'a signed-in user (even the recipient) may not report deliveries');

select * from finish();
rollback;
