-- DRAFT down file of 20261201006000_timesheets.sql

-- objects it created, newest first
drop table public.lock_overrides cascade;
drop function public.override_timesheet_lock(p_timesheet_id uuid, p_changes jsonb, p_reason text) cascade;
drop table public.timesheets cascade;
drop function public.log_hours(p_mission_id uuid, p_work_date date, p_hours numeric, p_note text, p_idempotency_key text) cascade;
drop function public.bulk_approve_timesheets(p_timesheet_ids uuid[]) cascade;
drop function private.refuse_append_only_change() cascade;
drop function private.guard_timesheet_updates() cascade;
drop function private.check_timesheet_daily_total() cascade;
