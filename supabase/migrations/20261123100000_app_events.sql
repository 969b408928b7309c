-- =============================================================================
-- Business event log (issue 5, item 1): public.app_events and
-- private.log_app_event, the contract shared by every issue-5 engineer.
--
-- One row per business event worth showing on an activity screen or feeding
-- a rule: an invoice sent, an emergency created, an item falling below its
-- minimum stock, a mission blocked, a lock overridden. Events are facts: they
-- are written by SECURITY DEFINER code only (triggers below, log_app_event for
-- other migrations and the service role), never updated or deleted through
-- the API.
--
-- Who reads: owner, admin and dispatcher of the organization (operations
-- staff). Technicians, accountants and clients read the underlying rows they
-- are entitled to, not this cross-cutting log (an event payload may mention an
-- invoice amount or an emergency description).
-- =============================================================================

create table public.app_events (
  id           bigint generated always as identity primary key,
  org_id       uuid not null references public.organizations (id) on delete cascade,
  -- Machine-readable kind, e.g. 'invoice_sent', 'stock_low', 'notification_failed'.
  type         text not null,
  severity     text not null default 'info',
  -- What the event is about: schema-qualified table and row id.
  entity_table text,
  entity_id    uuid,
  payload      jsonb not null default '{}',
  created_at   timestamptz not null default now(),
  constraint app_events_type_format check (type ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$' and length(type) <= 100),
  constraint app_events_severity_check check (severity in ('info', 'warning', 'critical')),
  constraint app_events_entity_pair check ((entity_table is null) = (entity_id is null)),
  constraint app_events_entity_table_format check (entity_table is null or entity_table ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'),
  constraint app_events_payload_object check (jsonb_typeof(payload) = 'object')
);
comment on table public.app_events is
  'Business event log (invoice_sent, emergency_created, stock_low, mission_blocked, lock_override, …) with a severity. '
  'Written by definer functions and triggers (private.log_app_event) and the service role; read by owner/admin/dispatcher.';

-- The activity screen (an organization's events, newest first; also the RLS filter) and "events of this type".
create index app_events_org_created_idx on public.app_events (org_id, created_at desc);
create index app_events_org_type_idx on public.app_events (org_id, type);

alter table public.app_events enable row level security;
create policy app_events_select on public.app_events for select to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]));  -- O A D: org

grant select on public.app_events to authenticated;
-- service_role (edge functions: delivery workers log failures) reads and appends.
grant select, insert on public.app_events to service_role;

insert into private.permission_matrix (table_name, role, operation, scope, note)
select 'public.app_events', r.role, 'select', 'org',
       'Business event log of the organization; written only by triggers, private.log_app_event and the service role.'
from (values ('owner'), ('admin'), ('dispatcher')) as r (role);

-- An event log is itself the trail: auditing its inserts would store every event twice.
insert into audit.unaudited_tables (table_name, why) values
  ('public.app_events',
   'An append-only business event log written by triggers and definer functions: it is itself a trail, and auditing it would '
   'store every event twice (no update or delete is granted to any API role).');

-- -----------------------------------------------------------------------------
-- private.log_app_event: validates and appends one event; returns its id.
-- SECURITY DEFINER: triggers on business tables run as the API user, who may
-- not insert into app_events.
-- -----------------------------------------------------------------------------
create function private.log_app_event(
  p_org          uuid,
  p_type         text,
  p_severity     text,
  p_entity_table text,
  p_entity_id    uuid,
  p_payload      jsonb
)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id bigint;
begin
  if p_org is null or p_type is null then
    raise exception 'log_app_event needs an organization and a type' using errcode = '22004';
  end if;
  if coalesce(p_severity, 'info') not in ('info', 'warning', 'critical') then
    raise exception 'Unknown event severity "%": use info, warning or critical', p_severity using errcode = '22023';
  end if;
  insert into public.app_events (org_id, type, severity, entity_table, entity_id, payload)
  values (p_org, p_type, coalesce(p_severity, 'info'), p_entity_table, p_entity_id, coalesce(p_payload, '{}'))
  returning id into v_id;
  return v_id;
end;
$$;
comment on function private.log_app_event(uuid, text, text, text, uuid, jsonb) is
  'Appends one business event (severity info/warning/critical) and returns its id. Internal: definer functions, triggers, service_role.';
revoke all on function private.log_app_event(uuid, text, text, text, uuid, jsonb) from public, anon, authenticated;
grant execute on function private.log_app_event(uuid, text, text, text, uuid, jsonb) to service_role;

-- -----------------------------------------------------------------------------
-- Triggers. SECURITY DEFINER so that the API user's write (sending an
-- invoice, a portal emergency, a stock movement) can log the event; trigger
-- functions cannot be called outside a trigger.
-- -----------------------------------------------------------------------------

-- invoice_sent: sent_at goes from null to a time (send_invoice).
create function private.log_invoice_sent()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.log_app_event(
    new.org_id, 'invoice_sent', 'info', 'public.invoices', new.id,
    pg_catalog.jsonb_build_object('number', new.number, 'client_id', new.client_id, 'kind', new.kind,
                                  'total_ttc_cents', new.total_ttc_cents, 'due_date', new.due_date));
  return null;
end;
$$;
create trigger invoices_log_sent
  after update of sent_at on public.invoices
  for each row when (old.sent_at is null and new.sent_at is not null)
  execute function private.log_invoice_sent();

-- emergency_created: every new emergency request is critical news.
create function private.log_emergency_created()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.log_app_event(
    new.org_id, 'emergency_created', 'critical', 'public.emergency_requests', new.id,
    pg_catalog.jsonb_build_object('client_id', new.client_id, 'site_id', new.site_id, 'severity', new.severity,
                                  'source', new.source));
  return null;
end;
$$;
create trigger emergency_requests_log_created
  after insert on public.emergency_requests
  for each row execute function private.log_emergency_created();

-- stock_low: a movement takes the item from >= min_stock to < min_stock.
-- balance_after is written by the BEFORE trigger under the item's row lock;
-- the previous balance is balance_after - delta.
create function private.log_stock_low()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_item public.stock_items;
begin
  select * into v_item from public.stock_items i where i.org_id = new.org_id and i.id = new.item_id;
  if v_item.id is not null
     and new.balance_after < v_item.min_stock
     and new.balance_after - new.delta >= v_item.min_stock then
    perform private.log_app_event(
      new.org_id, 'stock_low', 'warning', 'public.stock_items', new.item_id,
      pg_catalog.jsonb_build_object('sku', v_item.sku, 'name', v_item.name, 'on_hand', new.balance_after,
                                    'min_stock', v_item.min_stock, 'movement_id', new.id));
  end if;
  return null;
end;
$$;
create trigger stock_movements_log_low
  after insert on public.stock_movements
  for each row when (new.delta < 0)
  execute function private.log_stock_low();

-- mission_blocked: the status becomes blocked.
create function private.log_mission_blocked()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.log_app_event(
    new.org_id, 'mission_blocked', 'warning', 'public.missions', new.id,
    pg_catalog.jsonb_build_object('title', new.title, 'reason', new.blocked_reason, 'technician_id', new.technician_id));
  return null;
end;
$$;
create trigger missions_log_blocked
  after update of status on public.missions
  for each row when (new.status = 'blocked' and old.status is distinct from 'blocked')
  execute function private.log_mission_blocked();

-- lock_override: every override of a locked row.
create function private.log_lock_override()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.log_app_event(
    new.org_id, 'lock_override', 'warning', 'public.' || new.table_name, new.row_id,
    pg_catalog.jsonb_build_object('lock_override_id', new.id, 'actor', new.actor, 'reason', new.reason));
  return null;
end;
$$;
create trigger lock_overrides_log
  after insert on public.lock_overrides
  for each row execute function private.log_lock_override();

revoke all on function private.log_invoice_sent(), private.log_emergency_created(), private.log_stock_low(),
  private.log_mission_blocked(), private.log_lock_override() from public, anon, authenticated;
