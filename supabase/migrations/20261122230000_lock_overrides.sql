-- =============================================================================
-- Lock overrides: the audit record every override of a locked row leaves
-- behind (DESIGN.md invariant 7: "an admin override needs a reason and is
-- audited"). Approved timesheets are the first user; the audit issue will fold
-- this table into the general audit schema later.
--
-- The table is append-only: a trigger refuses UPDATE, DELETE and TRUNCATE for
-- every role, owner included, so an override cannot be hidden after the fact.
-- Rows are written only by SECURITY DEFINER override functions; the API roles
-- get no privilege on the table (RLS on, no policy).
-- =============================================================================

-- Shared by every append-only table (lock_overrides, stock_movements, …).
-- A trigger rather than a revoked privilege: privileges do not bind the table
-- owner nor a superuser, the trigger does (short of disabling it, which is
-- itself a DDL act that leaves a trace in the logs).
create function private.refuse_append_only_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'Table %.% is append-only: % is not allowed', tg_table_schema, tg_table_name, tg_op
    using errcode = 'P0001',
          hint = 'Record a new row (a correction) instead of changing history.';
end;
$$;
comment on function private.refuse_append_only_change() is
  'Trigger function: refuses UPDATE, DELETE and TRUNCATE on append-only tables (audit records, stock movements).';

create table public.lock_overrides (
  id         uuid primary key default gen_random_uuid(),
  -- No cascade: deleting an organization must not silently erase its audit trail.
  org_id     uuid not null references public.organizations (id),
  -- The locked table and row that were changed, e.g. ('timesheets', <id>).
  table_name text not null check (table_name ~ '^[a-z_][a-z0-9_]*$'),
  row_id     uuid not null,
  -- The user who overrode the lock (null for the system actor). Deliberately
  -- no foreign key: an audit record outlives the account, and a key would
  -- either block the account's deletion or rewrite history (set null).
  actor      uuid,
  reason     text not null check (length(btrim(reason)) >= 10 and length(reason) <= 2000),
  -- The row as it was and as it became (to_jsonb of the whole row).
  before     jsonb not null,
  after      jsonb not null,
  created_at timestamptz not null default now(),
  constraint lock_overrides_org_id_id_key unique (org_id, id)
);
comment on table public.lock_overrides is
  'Append-only audit of every override of a locked row (approved timesheets): who, why, before and after.';
comment on column public.lock_overrides.actor is 'auth.uid() of the overriding admin/owner; null when the system actor did it.';

-- "Show the overrides of this row" and the audit screen by organization and date.
create index lock_overrides_row_idx on public.lock_overrides (org_id, table_name, row_id, created_at);
create index lock_overrides_org_created_idx on public.lock_overrides (org_id, created_at);

create trigger lock_overrides_append_only
  before update or delete on public.lock_overrides
  for each row execute function private.refuse_append_only_change();
create trigger lock_overrides_no_truncate
  before truncate on public.lock_overrides
  for each statement execute function private.refuse_append_only_change();

-- Deny by default: written only by SECURITY DEFINER override functions;
-- read access arrives with the RLS / audit migrations.
alter table public.lock_overrides enable row level security;
