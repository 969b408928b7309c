-- Down file of supabase/migrations/20261201006000_timesheets.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- objects it created, dependents first
drop table public.lock_overrides;
drop function public.override_timesheet_lock(p_timesheet_id uuid, p_changes jsonb, p_reason text);
drop table public.timesheets;
drop function public.log_hours(p_mission_id uuid, p_work_date date, p_hours numeric, p_note text, p_idempotency_key text);
drop function public.bulk_approve_timesheets(p_timesheet_ids uuid[]);
drop function private.refuse_append_only_change();
drop function private.guard_timesheet_updates();
drop function private.check_timesheet_daily_total();
