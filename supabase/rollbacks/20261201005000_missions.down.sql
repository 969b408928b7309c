-- DRAFT down file of 20261201005000_missions.sql

-- objects it created, newest first
drop table public.mission_valid_transitions cascade;
drop table public.mission_status_history cascade;
drop table public.mission_notes cascade;
drop function private.mission_for_caller(p_mission_id uuid) cascade;
drop function private.assigned_missions() cascade;
drop table public.missions cascade;
drop function public.transition_mission(p_mission_id uuid, p_to_status public.mission_status, p_idempotency_key text, p_reason text, p_technician_id uuid) cascade;
drop function public.bulk_transition_missions(p_mission_ids uuid[], p_to_status public.mission_status, p_reason text) cascade;
drop function public.add_mission_note(p_mission_id uuid, p_body text, p_idempotency_key text, p_note_id uuid) cascade;
drop function private.validate_mission_transition() cascade;
drop function private.refuse_work_on_closed_mission() cascade;
drop function private.record_mission_status_change() cascade;
drop function private.guard_mission_columns() cascade;
drop function private.check_mission_technician() cascade;
drop function private.apply_mission_transition(p_mission_id uuid, p_to_status public.mission_status, p_reason text, p_technician_id uuid) cascade;
drop type public.mission_status cascade;
drop type public.mission_priority cascade;
