-- Down file of supabase/migrations/20261206100000_missions_search_document_column.sql: the
-- expression index as it was (docs/conventions.md § Reversible migrations).
delete from audit.excluded_columns where table_name = 'public.missions' and column_name = 'search_document';
drop index if exists public.missions_search_document_idx;
alter table public.missions drop column if exists search_document;
create index missions_search_document_idx on public.missions
  using gin (org_id, private.search_document(title, description));

-- The technicians' guard as 20261201005000_missions.sql wrote it.
create or replace function private.guard_mission_columns() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_state_columns constant text[] := array['status', 'technician_id', 'started_at', 'blocked_at', 'blocked_reason',
                                           'completed_at', 'invoiced_at', 'updated_at'];
  v_uid uuid := auth.uid();
begin
  if private.is_system_actor() then
    return new;
  end if;
  if new.status = old.status
     and (new.started_at is distinct from old.started_at
          or new.blocked_at is distinct from old.blocked_at
          or new.completed_at is distinct from old.completed_at
          or new.invoiced_at is distinct from old.invoiced_at
          or (new.blocked_reason is distinct from old.blocked_reason and old.status <> 'blocked')) then
    perform private.raise_api_error('forbidden_role', 'started_at, blocked_at, blocked_reason, completed_at and invoiced_at change only with the mission status');
  end if;
  if v_uid is not null and private.member_role_in(old.org_id) = 'technician'
     and ((pg_catalog.to_jsonb(new) - v_state_columns) <> (pg_catalog.to_jsonb(old) - v_state_columns)
          or (new.status = old.status
              and (new.technician_id is distinct from old.technician_id
                   or new.blocked_reason is distinct from old.blocked_reason))) then
    perform private.raise_api_error('forbidden_role', 'Technicians may only change a mission''s status');
  end if;
  return new;
end;
$$;

