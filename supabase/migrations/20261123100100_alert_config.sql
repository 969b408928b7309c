-- =============================================================================
-- Alert configuration (issue 5, item 2): one row per organization and alert
-- type, seeded for every organization (trigger on organizations + backfill).
--
-- The alert types are fixed (each has its view in the next migration); what
-- an organization tunes is the threshold, its severity, who is notified, how
-- often a still-firing alert is repeated (Alertmanager's repeat_interval,
-- 4 hours by default) and the escalation of an unacknowledged critical alert.
--
-- Who: owner/admin read and update (column grants: never org_id or the type);
-- dispatcher and accountant read (they receive these alerts); technicians and
-- clients nothing. No insert or delete through the API: the rows exist from
-- the organization's creation; `enabled = false` switches an alert off.
-- =============================================================================

create table public.alert_config (
  org_id            uuid not null references public.organizations (id) on delete cascade,
  alert_type        text not null,
  threshold         numeric not null,
  unit              text not null,
  severity          text not null,
  notify_roles      public.member_role[] not null,
  notify_on_call    boolean not null default false,
  repeat_interval   interval not null default interval '4 hours',
  escalate_after    interval,
  escalate_to_roles public.member_role[] not null default '{}',
  enabled           boolean not null default true,
  updated_at        timestamptz not null default now(),
  primary key (org_id, alert_type),
  constraint alert_config_type_check check (alert_type in ('emergency_pending', 'invoice_overdue_7days', 'invoice_overdue_30days',
                                                           'stock_critical', 'mission_blocked', 'timesheet_unapproved')),
  constraint alert_config_unit_check check (unit in ('minutes', 'hours', 'days', 'units', 'percent')),
  constraint alert_config_severity_check check (severity in ('info', 'warning', 'critical')),
  -- Belt and braces behind the trigger's messages.
  constraint alert_config_threshold_check check (threshold > 0 or (alert_type = 'stock_critical' and threshold >= 0)),
  constraint alert_config_notify_roles_check check (cardinality(notify_roles) > 0),
  constraint alert_config_repeat_check check (repeat_interval > interval '0'),
  constraint alert_config_escalation_check check (
    escalate_after is null or (escalate_after > interval '0' and cardinality(escalate_to_roles) > 0))
);
comment on table public.alert_config is
  'Per organization and alert type: threshold and unit, severity, roles notified (and on-call technicians), repeat interval '
  '(default 4 h), escalation of unacknowledged critical alerts. Seeded for every organization; owner/admin edit it.';
comment on column public.alert_config.threshold is
  'emergency_pending / mission_blocked: pending or blocked for longer than this (minutes or hours); invoice_overdue_*: days past '
  'the due date; timesheet_unapproved: days since the work date; stock_critical: on_hand at or below this many units (an item '
  'below 50 % of its min_stock is critical too).';
comment on column public.alert_config.repeat_interval is 'A still-firing, unacknowledged, unsilenced alert is notified again after this.';
comment on column public.alert_config.escalate_after is
  'Critical alerts still unacknowledged this long after firing are escalated (once) to escalate_to_roles; null: never.';

create trigger alert_config_touch before update on public.alert_config
  for each row execute function private.touch_updated_at();

-- Clear messages for what the check constraints refuse (22023).
create function private.validate_alert_config()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_units text[] := case new.alert_type
    when 'emergency_pending' then '{minutes,hours}'
    when 'mission_blocked' then '{minutes,hours}'
    when 'invoice_overdue_7days' then '{days}'
    when 'invoice_overdue_30days' then '{days}'
    when 'timesheet_unapproved' then '{days}'
    when 'stock_critical' then '{units}'
  end;
begin
  if v_units is null then
    raise exception 'Unknown alert type "%"', new.alert_type
      using errcode = '22023',
            hint = 'emergency_pending, invoice_overdue_7days, invoice_overdue_30days, stock_critical, mission_blocked, timesheet_unapproved';
  end if;
  if new.unit is null or not (new.unit = any (v_units)) then
    raise exception 'Alert % is measured in %, not "%"', new.alert_type, pg_catalog.array_to_string(v_units, ' or '), new.unit
      using errcode = '22023';
  end if;
  if new.threshold is null or new.threshold < 0 or (new.threshold = 0 and new.alert_type <> 'stock_critical') then
    raise exception 'Alert % needs a threshold %, got %', new.alert_type,
      case when new.alert_type = 'stock_critical' then 'of 0 or more' else 'greater than 0' end, new.threshold
      using errcode = '22023';
  end if;
  if new.unit = 'days' and new.threshold <> pg_catalog.trunc(new.threshold) then
    raise exception 'Alert % counts whole days, got %', new.alert_type, new.threshold using errcode = '22023';
  end if;
  if new.severity is null or new.severity not in ('info', 'warning', 'critical') then
    raise exception 'Unknown alert severity "%": use info, warning or critical', new.severity using errcode = '22023';
  end if;
  if new.notify_roles is null or pg_catalog.cardinality(new.notify_roles) = 0 then
    raise exception 'Alert % must notify at least one role', new.alert_type using errcode = '22023';
  end if;
  if 'client' = any (new.notify_roles) or 'client' = any (new.escalate_to_roles) then
    raise exception 'Alert % cannot notify client portal users', new.alert_type using errcode = '22023';
  end if;
  if new.repeat_interval is null or new.repeat_interval <= interval '0' then
    raise exception 'Alert % needs a repeat interval greater than 0, got %', new.alert_type, new.repeat_interval
      using errcode = '22023';
  end if;
  if new.escalate_after is not null then
    if new.escalate_after <= interval '0' then
      raise exception 'Alert % needs an escalation delay greater than 0, got %', new.alert_type, new.escalate_after
        using errcode = '22023';
    end if;
    if new.escalate_to_roles is null or pg_catalog.cardinality(new.escalate_to_roles) = 0 then
      raise exception 'Alert % escalates after % but names no role to escalate to', new.alert_type, new.escalate_after
        using errcode = '22023';
    end if;
  end if;
  return new;
end;
$$;
create trigger alert_config_validate before insert or update on public.alert_config
  for each row execute function private.validate_alert_config();
revoke all on function private.validate_alert_config() from public, anon, authenticated;

-- -----------------------------------------------------------------------------
-- Seeding: the defaults of the issue, for one organization (idempotent).
-- SECURITY DEFINER: an organization is created by the service role or a
-- migration; neither the creator nor the trigger should need alert_config
-- privileges.
-- -----------------------------------------------------------------------------
create function private.seed_alert_config(p_org uuid)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  insert into public.alert_config (org_id, alert_type, threshold, unit, severity, notify_roles, notify_on_call,
                                   escalate_after, escalate_to_roles)
  values
    (p_org, 'emergency_pending', 5, 'minutes', 'critical', '{admin,dispatcher}', true, interval '15 minutes', '{owner}'),
    (p_org, 'invoice_overdue_7days', 7, 'days', 'warning', '{admin,accountant}', false, null, '{}'),
    (p_org, 'invoice_overdue_30days', 30, 'days', 'critical', '{admin,accountant}', false, interval '7 days', '{owner}'),
    (p_org, 'stock_critical', 0, 'units', 'warning', '{admin,dispatcher}', false, null, '{}'),
    (p_org, 'mission_blocked', 60, 'minutes', 'warning', '{dispatcher}', false, null, '{}'),
    (p_org, 'timesheet_unapproved', 7, 'days', 'warning', '{admin}', false, null, '{}')
  on conflict (org_id, alert_type) do nothing;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function private.seed_alert_config(uuid) is
  'Inserts the default alert configuration of an organization (rows already there are kept). Returns the number of rows added.';
revoke all on function private.seed_alert_config(uuid) from public, anon, authenticated;

create function private.seed_alert_config_for_new_org()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.seed_alert_config(new.id);
  return null;
end;
$$;
revoke all on function private.seed_alert_config_for_new_org() from public, anon, authenticated;
create trigger organizations_seed_alert_config
  after insert on public.organizations
  for each row execute function private.seed_alert_config_for_new_org();

-- Backfill the organizations that exist already.
select private.seed_alert_config(o.id) from public.organizations o;

-- -----------------------------------------------------------------------------
-- Access
-- -----------------------------------------------------------------------------
alter table public.alert_config enable row level security;
create policy alert_config_select on public.alert_config for select to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[]));  -- O A D Acc: org
create policy alert_config_update on public.alert_config for update to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]))                         -- O A: org
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));

grant select on public.alert_config to authenticated;
grant update (threshold, unit, severity, notify_roles, notify_on_call, repeat_interval, escalate_after, escalate_to_roles, enabled)
  on public.alert_config to authenticated;
grant select, update on public.alert_config to service_role;

insert into private.permission_matrix (table_name, role, operation, scope, note)
select 'public.alert_config', r.role, o.operation, 'org', o.note
from (values
  ('owner', 'select', null), ('admin', 'select', null),
  ('dispatcher', 'select', 'Read only: the alerts they receive.'),
  ('accountant', 'select', 'Read only: the alerts they receive.'),
  ('owner', 'update', 'Thresholds, severity, recipients, repeat and escalation (column grants; never org or type). Rows are seeded, never inserted or deleted.'),
  ('admin', 'update', 'Thresholds, severity, recipients, repeat and escalation (column grants; never org or type). Rows are seeded, never inserted or deleted.')
) as o (role, operation, note)
join (values ('owner'), ('admin'), ('dispatcher'), ('accountant')) as r (role) on r.role = o.role;

-- Audited like every configuration table, with one exception: the six rows the
-- seeding trigger writes when an organization is created, and their deletion
-- with it (the organization's own insert and delete are audited; repeating its
-- defaults six times adds nothing, and would change every organization's
-- trail). The audit trigger of audit.enable_for gets
-- WHEN (pg_trigger_depth() = 0): a statement of a user or a job is audited, a
-- write made from inside another trigger (the seeding, the cascade of an
-- organization's deletion) is not. It is renamed audit_record_change_top_level
-- so that audit.refresh_triggers() (which re-creates every trigger named
-- audit_record_change when audit.excluded_columns changes) leaves the
-- condition in place; the price: a column newly listed in
-- audit.excluded_columns for alert_config needs this block re-run (the table
-- holds no secret).
select audit.enable_for('public.alert_config');
do $audit$
declare
  v_def text;
begin
  select pg_catalog.pg_get_triggerdef(t.oid) into v_def
  from pg_catalog.pg_trigger t
  where t.tgrelid = 'public.alert_config'::regclass and t.tgname = 'audit_record_change';
  drop trigger audit_record_change on public.alert_config;
  v_def := pg_catalog.replace(v_def, 'FOR EACH ROW EXECUTE', 'FOR EACH ROW WHEN (pg_catalog.pg_trigger_depth() = 0) EXECUTE');
  v_def := pg_catalog.replace(v_def, 'CREATE TRIGGER audit_record_change ', 'CREATE TRIGGER audit_record_change_top_level ');
  execute v_def;
end;
$audit$;
