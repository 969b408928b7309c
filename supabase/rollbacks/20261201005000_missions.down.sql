-- Down file of supabase/migrations/20261201005000_missions.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- objects it created, dependents first
drop table public.mission_valid_transitions;
drop table public.mission_status_history;
drop table public.mission_notes;
drop function private.mission_for_caller(p_mission_id uuid);
drop function private.assigned_missions();
drop table public.missions;
drop function public.transition_mission(p_mission_id uuid, p_to_status public.mission_status, p_idempotency_key text, p_reason text, p_technician_id uuid);
drop function public.bulk_transition_missions(p_mission_ids uuid[], p_to_status public.mission_status, p_reason text);
drop function public.add_mission_note(p_mission_id uuid, p_body text, p_idempotency_key text, p_note_id uuid);
drop function private.validate_mission_transition();
drop function private.refuse_work_on_closed_mission();
drop function private.record_mission_status_change();
drop function private.guard_mission_columns();
drop function private.check_mission_technician();
drop function private.apply_mission_transition(p_mission_id uuid, p_to_status public.mission_status, p_reason text, p_technician_id uuid);
drop type public.mission_status;
drop type public.mission_priority;
