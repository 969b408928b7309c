-- The missions' full-text document, stored (public.search, README.md
-- "Global search").
--
-- Why a stored column rather than the expression index it replaces: a search
-- word can be in most of an organization's mission titles ("mission",
-- "entretien"). The expression index then returns thousands of rows, and for
-- each one Postgres rechecked the match (a prefix query always needs the
-- recheck) and later ranked it by recomputing private.search_document(title,
-- description): a SQL function with its own search_path, so never inlined,
-- called once per row. Stored, the document is computed once per write and
-- every read (the recheck, ts_rank) reads it; it also has its own planner
-- statistics (ANALYZE of a tsvector column keeps its common lexemes), so the
-- planner knows a common word from a rare one.
--
-- The column is GENERATED: no trigger to keep in step, and bulk loads that
-- bypass triggers (session_replication_role = replica) still fill it.
-- Adding it rewrites the table once (ACCESS EXCLUSIVE for the rewrite):
-- seconds at a million missions, to run in a quiet window.
--
-- It is part of the API's mission rows (select=*). The app names its
-- columns; the audit log ignores it (it changes only with title and
-- description, which are audited).
alter table public.missions
  add column search_document tsvector
  generated always as (private.search_document(title, description)) stored;

comment on column public.missions.search_document is
  'Full-text document of the global search (title weight A, description B; private.search_document). Generated: read-only.';

-- Same shape as before (org_id first, btree_gin): an organization's entries
-- intersected with the word's.
drop index public.missions_search_document_idx;
create index missions_search_document_idx on public.missions using gin (org_id, search_document);

insert into audit.excluded_columns (table_name, column_name, mode, why) values
  ('public.missions', 'search_document', 'ignore', 'Generated from title and description, which are audited.');

-- A BEFORE trigger sees generated columns not yet computed (null in NEW): the
-- guard that lets technicians change nothing but a mission's status compares
-- the whole row, so it leaves the document out (it follows title and
-- description, which the guard still compares).
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
     and ((pg_catalog.to_jsonb(new) - v_state_columns - 'search_document')
          <> (pg_catalog.to_jsonb(old) - v_state_columns - 'search_document')
          or (new.status = old.status
              and (new.technician_id is distinct from old.technician_id
                   or new.blocked_reason is distinct from old.blocked_reason))) then
    perform private.raise_api_error('forbidden_role', 'Technicians may only change a mission''s status');
  end if;
  return new;
end;
$$;

