begin;
-- The sender's queue: claim exactly once with a lease, sent, failed with
-- exponential backoff, failed for good after 5 attempts with an app_event.
select plan(22);
-- pg_cron's alert checks write notifications every minute, in their own
-- transactions: hold them off until this test rolls back, so the queue holds
-- only the rows made here.
lock table public.notifications in share row exclusive mode;
delete from public.notifications;
create temp table ids (label text primary key, id uuid) on commit drop;
grant select on ids to service_role;
insert into ids
select 'mail' || g, private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'email',
                                                'mission_blocked', null, null, 'q:' || g, '{}')
from generate_series(1, 5) g;
insert into ids values ('push', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000001',
                                                            'push', 'mission_blocked', null, null, 'q:push', '{}'));
-- Distinct due times: the queue order is next_attempt_at.
update public.notifications n set next_attempt_at = now() - (interval '1 minute' * (10 - substr(n.dedupe_key, 3)::int))
where n.channel = 'email';

select ok(has_function_privilege('service_role', 'public.claim_pending_notifications(text, integer)', 'execute')
          and not has_function_privilege('authenticated', 'public.claim_pending_notifications(text, integer)', 'execute')
          and not has_function_privilege('anon', 'public.claim_pending_notifications(text, integer)', 'execute')
          and not has_function_privilege('authenticated', 'public.mark_notification_failed(uuid, text, boolean, integer)', 'execute')
          and not has_function_privilege('authenticated', 'public.mark_notification_sent(uuid)', 'execute'),
  'the sender functions are for service_role only');
select is(tests.as_service($$select jsonb_agg(dedupe_key order by dedupe_key) from public.claim_pending_notifications('email', 3)$$),
  '["q:1", "q:2", "q:3"]'::jsonb, 'a claim returns the oldest due rows of the channel, up to the limit');
select results_eq($$select attempts, next_attempt_at = now() + interval '5 minutes' from public.notifications where dedupe_key in ('q:1', 'q:2', 'q:3')$$,
  $$values (1, true), (1, true), (1, true)$$, 'claimed rows count the attempt and are leased for 5 minutes');
select is(tests.as_service($$select jsonb_agg(dedupe_key order by dedupe_key) from public.claim_pending_notifications('email', 10)$$),
  '["q:4", "q:5"]'::jsonb, 'a second claim gets only the unclaimed rows');
select is(tests.as_service($$select count(*) from public.claim_pending_notifications('email')$$), '0'::jsonb,
  'a third claim gets nothing: every row was handed out once');
update public.notifications set next_attempt_at = now() - interval '1 second' where dedupe_key = 'q:1';
select is(tests.as_service($$select jsonb_agg(dedupe_key || '/' || attempts) from public.claim_pending_notifications('email')$$),
  '["q:1/2"]'::jsonb, 'a row whose lease ran out (crashed sender) is due again, attempt 2');
select throws_ok($$select tests.as_service('select count(*) from public.claim_pending_notifications(''in_app'')')$$,
  '22023', 'claim_pending_notifications: channel must be email or push, got in_app', 'in_app rows are never claimed');
select throws_ok($$select tests.as_service('select count(*) from public.claim_pending_notifications(''email'', 0)')$$,
  '22023', 'claim_pending_notifications: limit must be between 1 and 500, got 0', 'the limit is bounded');

-- Sent
select is(tests.as_service($$select to_jsonb(array[r.delivery_status, (r.sent_at = now())::text, coalesce(r.next_attempt_at::text, 'null')])
                                from public.mark_notification_sent((select id from ids where label = 'mail2')) r$$),
  '["sent", "true", "null"]'::jsonb, 'mark_notification_sent: sent now, out of the queue');
select lives_ok($$select tests.as_service($q$select to_jsonb(public.mark_notification_sent((select id from ids where label = 'mail2')))$q$)$$,
  'reporting sent twice is harmless');
select throws_ok($$select tests.as_service($q$select to_jsonb(public.mark_notification_failed((select id from ids where label = 'mail2'), 'x'))$q$)$$,
  '55000', null, 'a sent row cannot be marked failed');
select throws_ok($$select tests.as_service('select to_jsonb(public.mark_notification_sent(''00000000-0000-4000-8000-000000000000''))')$$,
  'P0002', 'notification 00000000-0000-4000-8000-000000000000 not found', 'unknown id');

-- Failed: backoff 1, 2, 4, 8 minutes, then failed for good at the 5th attempt.
create function pg_temp.claim_and_fail(p_error text) returns interval language plpgsql as $$
declare v public.notifications;
begin
  update public.notifications set next_attempt_at = now() - interval '1 second' where id = (select id from ids where label = 'push');
  perform tests.as_service($q$select count(*) from public.claim_pending_notifications('push', 1)$q$);
  perform tests.as_service(format('select to_jsonb(public.mark_notification_failed(%L, %L))', (select id from ids where label = 'push'), p_error));
  select * into v from public.notifications where id = (select id from ids where label = 'push');
  return v.next_attempt_at - now();
end $$;
select is(pg_temp.claim_and_fail('smtp 451'), interval '1 minute', 'failure 1: retried in 1 minute');
select is(pg_temp.claim_and_fail('smtp 451'), interval '2 minutes', 'failure 2: 2 minutes');
select is(pg_temp.claim_and_fail('smtp 451'), interval '4 minutes', 'failure 3: 4 minutes');
select is(pg_temp.claim_and_fail('smtp 451'), interval '8 minutes', 'failure 4: 8 minutes');
select results_eq($$select delivery_status, attempts, last_error from public.notifications where id = (select id from ids where label = 'push')$$,
  $$values ('pending'::text, 4, 'smtp 451'::text)$$, 'still pending after 4 failures, last error kept');
select is(pg_temp.claim_and_fail('gone 410'), null, 'failure 5: no next attempt…');
select results_eq($$select delivery_status, attempts, last_error from public.notifications where id = (select id from ids where label = 'push')$$,
  $$values ('failed'::text, 5, 'gone 410'::text)$$, '…failed for good after 5 attempts');
select results_eq($$select org_id::text, severity, entity_table, payload ->> 'error' from public.app_events
                    where type = 'notification_failed' and entity_id = (select id from ids where label = 'push')$$,
  $$values ('a0000000-0000-4000-8000-0000000000a0', 'warning', 'public.notifications', 'gone 410')$$,
  'the final failure logs one app_event notification_failed (warning)');
select is(tests.as_service($$select count(*) from public.claim_pending_notifications('push')$$), '0'::jsonb,
  'a failed row is never claimed again');
select throws_ok($$select tests.as_service($q$select to_jsonb(public.mark_notification_sent((select id from ids where label = 'push')))$q$)$$,
  '55000', null, 'a failed row cannot be marked sent');

select * from finish();
rollback;
