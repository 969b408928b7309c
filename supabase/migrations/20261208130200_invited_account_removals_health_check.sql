-- A daily health check for the queue of accounts waiting for removal after a
-- revoked invitation (private.invited_account_removals).
--
-- revoke_invitation bans the account and queues it; the invite-member
-- function deletes it through Supabase Auth right after the revoke, and its
-- sweep (invite-member/remove-revoked-accounts) deletes what is left every
-- five minutes; the queue row goes with the account. So the queue drains in
-- minutes, and nothing said so when it stopped draining: Auth's admin delete
-- failing (a wrong service key, Auth down, a foreign key of another schema
-- holding the account) or the sweep not scheduled. The account stays banned
-- meanwhile, and its address cannot be invited again (account_being_removed).
--
-- invited_account_removals_overdue fails when an account has been queued
-- for more than 30 minutes: six missed sweeps, never an ordinary delay. It is
-- a platform check (no org_column): the organization that revoked the
-- invitation can do nothing about Supabase Auth, so its health page does not
-- show it; npm run health, the health function's summary and /metrics do.
-- The details name the account, the organization and the queue time, not
-- the address: health output ends up in logs and monitoring.
--
-- Cheap whatever the queue holds: the index on (queued_at, user_id) gives
-- the overdue rows only, already in the order the details list them. The
-- sweep's own read (public.invited_accounts_to_remove, in the same order)
-- can use it too.

create index invited_account_removals_queued_at_idx on private.invited_account_removals (queued_at, user_id);

create view ops.check_invited_account_removals_overdue as
select pg_catalog.jsonb_build_object('user_id', r.user_id, 'org_id', r.org_id, 'queued_at', r.queued_at) as detail,
       pg_catalog.row_number() over (order by r.queued_at, r.user_id) as sample_rank,
       r.user_id,
       r.org_id,
       r.queued_at
  from private.invited_account_removals r
 where r.queued_at < pg_catalog.now() - interval '30 minutes';

comment on view ops.check_invited_account_removals_overdue is
  'Health check invited_account_removals_overdue: the offending rows (see ops.health_check_catalog).';

-- As the other check views: service_role reads it (runs as its owner, so the
-- queue itself stays closed to service_role).
revoke all on table ops.check_invited_account_removals_overdue from public, anon, authenticated;
grant select on table ops.check_invited_account_removals_overdue to service_role;

insert into ops.health_check_catalog (name, cadence, position, description, view, details_key)
values ('invited_account_removals_overdue', 'daily', 12,
        'Accounts banned after a revoked invitation and still waiting for Supabase Auth''s delete after 30 minutes: the invite-member deletions fail or its sweep is not scheduled.',
        'check_invited_account_removals_overdue', 'accounts');
