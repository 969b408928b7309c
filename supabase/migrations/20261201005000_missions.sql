-- =============================================================================
-- Baseline: missions, their state machine, notes and status history.
--
-- A mission's status moves only along public.mission_valid_transitions, by the
-- roles listed there (docs/design.md invariant 1): the RPCs
-- (transition_mission, bulk_transition_missions) and the trigger
-- missions_status_transition enforce the same rule, so a direct UPDATE
-- cannot skip it. Work on a closed mission is refused
-- (private.refuse_work_on_closed_mission).
-- =============================================================================

-- Every name below is schema-qualified, as in supabase/schema.sql. Function
-- bodies are resolved when first called, not here: some read tables that a
-- later baseline creates (the plpgsql_check lint in ops and the pgTAP suite
-- check them). Both settings end with this migration's transaction.
select pg_catalog.set_config('search_path', '', true);
set local check_function_bodies = false;

CREATE TYPE public.mission_priority AS ENUM (
    'low',
    'normal',
    'high',
    'urgent'
);

CREATE TYPE public.mission_status AS ENUM (
    'new',
    'published',
    'assigned',
    'in_progress',
    'blocked',
    'done',
    'invoiced',
    'cancelled'
);

-- One transition, under the mission's row lock. Raises on any refusal; returns
-- the mission's state. Shared by the single and the bulk API.
CREATE FUNCTION private.apply_mission_transition(p_mission_id uuid, p_to_status public.mission_status, p_reason text, p_technician_id uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_mission public.missions%rowtype;
  v_from    public.mission_status;
  v_uid     uuid := auth.uid();
  v_role    public.member_role;
  v_tech    uuid;
  v_changed boolean := true;
begin
  if p_to_status is null then
    perform private.raise_api_error('missing_parameter', 'A target status is required');
  end if;
  if p_reason is not null and length(p_reason) > 2000 then
    perform private.raise_api_error('value_too_long', pg_catalog.format('A reason is at most 2000 characters (got %s)', length(p_reason)));
  end if;
  if p_technician_id is not null and p_to_status <> 'assigned' then
    perform private.raise_api_error('invalid_parameter', 'A technician is given only when assigning a mission');
  end if;

  perform private.mission_for_caller(p_mission_id);
  -- The row lock serializes concurrent moves; the state read here is the latest committed one.
  select m.* into strict v_mission from public.missions m where m.id = p_mission_id for update;
  v_from := v_mission.status;
  if v_uid is not null then
    v_role := private.member_role_in(v_mission.org_id);
  end if;

  -- The technician the mission will have: accepting takes it for oneself;
  -- dispatch names one (or keeps the one it was offered to).
  v_tech := v_mission.technician_id;
  if p_to_status = 'assigned' then
    if v_role = 'technician' then
      if p_technician_id is not null and p_technician_id <> v_uid then
        perform private.raise_api_error('forbidden_role', 'Technicians may only accept a mission for themselves');
      end if;
      v_tech := v_uid;
    else
      v_tech := coalesce(p_technician_id, v_mission.technician_id);
    end if;
  end if;

  if v_mission.status = p_to_status then
    -- Already there (a concurrent or repeated request): a no-op, nothing written,
    -- unless it asks for something else than what is there.
    if p_to_status = 'assigned' and v_tech is distinct from v_mission.technician_id then
      perform private.raise_api_error('already_assigned', pg_catalog.format('Mission %s is already assigned to another technician', v_mission.id));
    end if;
    if v_role = 'technician' and v_mission.status not in ('new', 'published')
       and v_mission.technician_id is distinct from v_uid then
      perform private.raise_api_error('not_assigned', 'Technicians may only move missions assigned to them');
    end if;
    v_changed := false;
  else
    -- The trigger reads the reason of a non-blocking move from this setting (local to
    -- the transaction, rolled back with a failed subtransaction, cleared right after).
    perform pg_catalog.set_config('terrain.transition_reason', coalesce(p_reason, ''), true);
    update public.missions m
       set status = p_to_status,
           technician_id = v_tech,
           blocked_reason = case when p_to_status = 'blocked' then p_reason else m.blocked_reason end
     where m.id = v_mission.id
    returning m.* into v_mission;
    perform pg_catalog.set_config('terrain.transition_reason', '', true);
  end if;

  return jsonb_build_object(
    'mission_id',      v_mission.id,
    'previous_status', v_from,
    'status',          v_mission.status,
    'changed',         v_changed,
    'technician_id',   v_mission.technician_id,
    'started_at',      v_mission.started_at,
    'blocked_at',      v_mission.blocked_at,
    'blocked_reason',  v_mission.blocked_reason,
    'completed_at',    v_mission.completed_at,
    'updated_at',      v_mission.updated_at
  );
end;
$$;

-- A mission's technician must hold the technician role (a foreign key cannot say so).
CREATE FUNCTION private.check_mission_technician() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if new.technician_id is not null and not exists (
    select from public.memberships m
    where m.org_id = new.org_id and m.user_id = new.technician_id and m.role = 'technician'
  ) then
    perform private.raise_api_error('validation_failed', pg_catalog.format('User %s is not a technician of this organization', new.technician_id));
  end if;
  return new;
end;
$$;

REVOKE ALL ON FUNCTION private.check_mission_technician() FROM PUBLIC;

-- -----------------------------------------------------------------------------
-- Columns the state machine owns, for every UPDATE (not only UPDATE OF status):
--  * started_at, blocked_at, completed_at, invoiced_at change only with the
--    status, and blocked_reason only with the status or while blocked — so the
--    blocked-mission alert and durations can be trusted;
--  * a technician changes nothing but the status (and what follows from it):
--    schedule, client, site, description, priority and assignment are the
--    dispatcher's. Technicians act through the API functions; if the RLS
--    migration ever lets them UPDATE missions directly, this still holds.
-- The system actor may correct anything (data fixes, seeds); the status itself
-- stays under validate_mission_transition().
-- Named so that it fires before missions_status_transition (alphabetical order).
-- -----------------------------------------------------------------------------
CREATE FUNCTION private.guard_mission_columns() RETURNS trigger
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

COMMENT ON FUNCTION private.guard_mission_columns() IS 'Lifecycle columns change only with the status; technicians change nothing but the status; the system actor is exempt.';

REVOKE ALL ON FUNCTION private.guard_mission_columns() FROM PUBLIC;

CREATE FUNCTION private.record_mission_status_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  insert into public.mission_status_history (org_id, mission_id, from_status, to_status, changed_by, reason)
  values (
    new.org_id,
    new.id,
    case when tg_op = 'UPDATE' then old.status end,
    new.status,
    auth.uid(),
    case when new.status = 'blocked' then new.blocked_reason
         when tg_op = 'UPDATE' then nullif(btrim(pg_catalog.current_setting('terrain.transition_reason', true)), '') end
  );
  return null;
end;
$$;

COMMENT ON FUNCTION private.record_mission_status_change() IS 'Writes mission_status_history (who = auth.uid(), null for the system; from, to, when, reason) after a creation or a real status change.';

REVOKE ALL ON FUNCTION private.record_mission_status_change() FROM PUBLIC;

-- No hours and no stock use on a mission that is invoiced or cancelled.
--
-- log_hours() and record_stock_use() read the mission's status without a
-- lock, so hours or parts committed while bulk_invoice_missions() invoices
-- that mission would be missing from the invoice. This trigger closes the gap
-- for every writer, not just those two functions: it takes a FOR SHARE lock
-- on the mission (which conflicts with the FOR UPDATE lock invoicing holds) and
-- checks the status once the lock is granted. Either the invoicing runs first
-- and the write is refused, or the write commits first and invoicing sees it
-- (and refuses the mission while that timesheet is unapproved).
CREATE FUNCTION private.refuse_work_on_closed_mission() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_status public.mission_status;
begin
  if new.mission_id is null then
    return new;
  end if;
  select m.status into v_status
    from public.missions m
   where m.org_id = new.org_id and m.id = new.mission_id
     for share;
  if v_status in ('invoiced', 'cancelled') then
    perform private.raise_api_error('mission_closed', pg_catalog.format('Mission %s is %s: no more hours or stock can be recorded on it', new.mission_id, v_status));
  end if;
  return new;
end;
$$;

COMMENT ON FUNCTION private.refuse_work_on_closed_mission() IS 'Locks the mission FOR SHARE and refuses timesheets and stock movements on invoiced or cancelled missions.';

REVOKE ALL ON FUNCTION private.refuse_work_on_closed_mission() FROM PUBLIC;

-- -----------------------------------------------------------------------------
-- The gate. BEFORE INSERT: a mission starts as `new`. BEFORE UPDATE OF status:
-- the move must be in the graph, the actor allowed, the data complete; the
-- lifecycle columns follow the status. SECURITY DEFINER so it reads the graph and
-- memberships whatever the caller's grants.
--
-- The reason of a move other than blocking (unblocking, cancelling) reaches the
-- history through the transaction-local setting terrain.transition_reason, which
-- public.transition_mission sets around its UPDATE; a direct UPDATE has none.
-- -----------------------------------------------------------------------------
CREATE FUNCTION private.validate_mission_transition() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_rule   public.mission_valid_transitions%rowtype;
  v_uid    uuid := auth.uid();
  v_role   public.member_role;
  v_reason text;
begin
  if tg_op = 'INSERT' then
    if new.status is distinct from 'new' then
      perform private.raise_api_error('rule_violation', pg_catalog.format('A mission is created with status new, not %s', new.status));
    end if;
    if num_nonnulls(new.started_at, new.blocked_at, new.blocked_reason, new.completed_at, new.invoiced_at) > 0 then
      perform private.raise_api_error('validation_failed', 'A new mission has no started_at, blocked_at, blocked_reason, completed_at or invoiced_at');
    end if;
    -- A signed-in creator is who they are; only the system (imports, seeds) names another.
    if v_uid is not null then
      new.created_by := v_uid;
    end if;
    return new;
  end if;

  -- Not a change: nothing to check, nothing to record.
  if new.status = old.status then
    return new;
  end if;

  select t.* into v_rule
  from public.mission_valid_transitions t
  where t.from_status = old.status and t.to_status = new.status;
  if not found then
    perform private.raise_api_error('invalid_transition', pg_catalog.format('Invalid transition: %s → %s', old.status, new.status));
  end if;

  -- Who may make this move.
  if v_rule.system_context is not null then
    if coalesce(pg_catalog.current_setting('terrain.system_context', true), '') <> v_rule.system_context then
      perform private.raise_api_error('forbidden_role', pg_catalog.format('Only %s may move a mission from %s to %s', v_rule.system_context, old.status, new.status));
    end if;
  elsif not private.is_system_actor() then
    if v_uid is not null then
      v_role := private.member_role_in(new.org_id);
    end if;
    if v_role is null then
      perform private.raise_api_error('forbidden_role', 'Not a member of the mission''s organization');
    end if;
    if not (v_role = any (v_rule.allowed_roles)) then
      perform private.raise_api_error('forbidden_role', pg_catalog.format('Role %s may not move a mission from %s to %s', v_role, old.status, new.status));
    end if;
    if v_role = 'technician' then
      if new.status = 'assigned' then
        -- Accepting: the mission becomes the caller's; it cannot be taken for someone else
        -- nor from a technician it was offered to.
        if coalesce(old.technician_id, v_uid) <> v_uid or coalesce(new.technician_id, v_uid) <> v_uid then
          perform private.raise_api_error('forbidden_role', 'Technicians may only accept a mission for themselves');
        end if;
        new.technician_id := v_uid;
      elsif v_rule.requires_assignee
            and (old.technician_id is distinct from v_uid or new.technician_id is distinct from v_uid) then
        perform private.raise_api_error('not_assigned', 'Technicians may only move missions assigned to them');
      end if;
    end if;
  end if;

  -- What the move needs, whoever makes it.
  v_reason := case when new.status = 'blocked' then nullif(btrim(new.blocked_reason), '') end;
  v_reason := coalesce(v_reason, nullif(btrim(pg_catalog.current_setting('terrain.transition_reason', true)), ''));
  if v_rule.requires_reason and v_reason is null then
    perform private.raise_api_error('validation_failed', pg_catalog.format('A reason is required to move a mission from %s to %s', old.status, new.status));
  end if;
  if new.status not in ('new', 'published', 'cancelled') and new.technician_id is null then
    perform private.raise_api_error('validation_failed', pg_catalog.format('A technician is required to move a mission from %s to %s', old.status, new.status));
  end if;

  -- Lifecycle columns follow the status: set here, never taken from the caller
  -- (whatever else the UPDATE put in them is discarded).
  new.started_at     := old.started_at;
  new.blocked_at     := old.blocked_at;
  new.blocked_reason := old.blocked_reason;
  new.completed_at   := old.completed_at;
  new.invoiced_at    := old.invoiced_at;
  case new.status
    when 'in_progress' then
      new.started_at := coalesce(old.started_at, now());  -- the first start; resuming keeps it
      new.blocked_at := null;                             -- "blocked since": no longer blocked
      new.blocked_reason := null;                         -- the history keeps it
    when 'blocked' then
      new.blocked_at := now();
      new.blocked_reason := v_reason;
    when 'done' then
      new.completed_at := now();
    when 'invoiced' then
      new.invoiced_at := now();
    else
      null;
  end case;
  return new;
end;
$$;

COMMENT ON FUNCTION private.validate_mission_transition() IS 'Mission state machine: a mission is created as new; a status change must be a row of mission_valid_transitions, made by an allowed role (technicians on their own missions) or the system actor, with its reason/technician; sets started_at, blocked_at, blocked_reason, completed_at, invoiced_at.';

REVOKE ALL ON FUNCTION private.validate_mission_transition() FROM PUBLIC;

CREATE FUNCTION public.add_mission_note(p_mission_id uuid, p_body text, p_idempotency_key text, p_note_id uuid DEFAULT NULL::uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_mission public.missions%rowtype;
  v_uid     uuid := auth.uid();
  v_role    public.member_role;
  v_request jsonb;
  v_result  jsonb;
  v_note    public.mission_notes%rowtype;
begin
  v_mission := private.mission_for_caller(p_mission_id);
  if not private.is_system_actor() then
    v_role := private.member_role_in(v_mission.org_id);
    if v_role = 'technician' then
      if v_mission.technician_id is distinct from v_uid then
        perform private.raise_api_error('not_assigned', 'Technicians may only add notes to missions assigned to them');
      end if;
    elsif v_role is null or v_role not in ('owner', 'admin', 'dispatcher') then
      perform private.raise_api_error('forbidden_role', pg_catalog.format('Role %s may not add notes to missions', v_role));
    end if;
  end if;
  if p_body is null or btrim(p_body) = '' or length(p_body) > 10000 then
    perform private.raise_api_error('validation_failed', 'A note is 1 to 10000 characters');
  end if;

  v_request := jsonb_build_object('mission_id', p_mission_id, 'body', p_body, 'note_id', p_note_id);
  v_result := private.idempotency_lookup(v_mission.org_id, p_idempotency_key, 'add_mission_note', v_request);
  if v_result is not null then
    return v_result;  -- a replay: the first result, nothing added
  end if;

  begin
    insert into public.mission_notes (id, org_id, mission_id, author_id, body)
    values (coalesce(p_note_id, gen_random_uuid()), v_mission.org_id, v_mission.id, v_uid, p_body)
    returning * into v_note;
  exception when unique_violation then
    perform private.raise_api_error('already_exists', pg_catalog.format('Note %s already exists', p_note_id));
  end;

  v_result := jsonb_build_object('note_id', v_note.id, 'mission_id', v_note.mission_id,
                                 'author_id', v_note.author_id, 'created_at', v_note.created_at);
  perform private.idempotency_store(v_mission.org_id, p_idempotency_key, 'add_mission_note', v_request, v_result);
  return v_result;
end;
$$;

CREATE FUNCTION public.bulk_transition_missions(p_mission_ids uuid[], p_to_status public.mission_status, p_reason text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_count     integer := coalesce(cardinality(p_mission_ids), 0);
  v_results   jsonb[];
  v_item      record;
  v_result    jsonb;
  v_succeeded integer := 0;
  v_error     jsonb;
  v_detail    text;
begin
  if p_mission_ids is null then
    perform private.raise_api_error('missing_parameter', 'A list of mission ids is required');
  end if;
  if v_count > 100 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('At most 100 missions per bulk transition (got %s)', v_count));
  end if;
  if array_ndims(p_mission_ids) > 1 then
    perform private.raise_api_error('invalid_parameter', 'Mission ids must be a one-dimensional list');
  end if;
  v_results := array_fill(null::jsonb, array[v_count]);

  -- Missions are locked in id order (results keep the caller's order): two bulk
  -- calls over the same missions then wait for each other instead of deadlocking.
  for v_item in
    select u.id, u.ord from unnest(p_mission_ids) with ordinality as u (id, ord) order by u.id, u.ord
  loop
    begin
      -- Each item in its own subtransaction: a refusal rolls back that item only.
      v_result := private.apply_mission_transition(v_item.id, p_to_status, p_reason, null);
      v_results[v_item.ord] := jsonb_build_object('id', v_item.id, 'ok', true,
                                                  'status', v_result -> 'status', 'changed', v_result -> 'changed');
      v_succeeded := v_succeeded + 1;
    exception when others then
      get stacked diagnostics v_detail = pg_exception_detail;
      v_error := private.api_error_parts(sqlstate, sqlerrm, v_detail);
      v_results[v_item.ord] := jsonb_build_object('id', v_item.id, 'ok', false,
                                                  'error', v_error ->> 'message', 'code', v_error -> 'code');
    end;
  end loop;

  return jsonb_build_object(
    'results', coalesce(pg_catalog.to_jsonb(v_results), '[]'::jsonb),
    'summary', jsonb_build_object('requested', v_count, 'succeeded', v_succeeded, 'failed', v_count - v_succeeded)
  );
end;
$$;

CREATE FUNCTION public.transition_mission(p_mission_id uuid, p_to_status public.mission_status, p_idempotency_key text, p_reason text DEFAULT NULL::text, p_technician_id uuid DEFAULT NULL::uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_mission public.missions%rowtype;
  v_request jsonb;
  v_result  jsonb;
begin
  v_mission := private.mission_for_caller(p_mission_id);
  v_request := jsonb_build_object('mission_id', p_mission_id, 'to_status', p_to_status,
                                  'reason', p_reason, 'technician_id', p_technician_id);
  v_result := private.idempotency_lookup(v_mission.org_id, p_idempotency_key, 'transition_mission', v_request);
  if v_result is not null then
    return v_result;  -- a replay: the first result, nothing changed
  end if;
  v_result := private.apply_mission_transition(p_mission_id, p_to_status, p_reason, p_technician_id);
  perform private.idempotency_store(v_mission.org_id, p_idempotency_key, 'transition_mission', v_request, v_result);
  return v_result;
end;
$$;

CREATE TABLE public.missions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    client_id uuid NOT NULL,
    site_id uuid NOT NULL,
    contract_id uuid,
    client_request_id uuid,
    emergency_request_id uuid,
    title text NOT NULL,
    description text,
    scheduled_start timestamp with time zone,
    scheduled_end timestamp with time zone,
    technician_id uuid,
    status public.mission_status DEFAULT 'new'::public.mission_status NOT NULL,
    priority public.mission_priority DEFAULT 'normal'::public.mission_priority NOT NULL,
    started_at timestamp with time zone,
    blocked_at timestamp with time zone,
    blocked_reason text,
    completed_at timestamp with time zone,
    invoiced_at timestamp with time zone,
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT missions_assigned_has_technician CHECK (((status = ANY (ARRAY['new'::public.mission_status, 'published'::public.mission_status, 'cancelled'::public.mission_status])) OR (technician_id IS NOT NULL))),
    CONSTRAINT missions_blocked_has_reason CHECK (((status <> 'blocked'::public.mission_status) OR ((blocked_reason IS NOT NULL) AND (length(btrim(blocked_reason)) > 0)))),
    CONSTRAINT missions_blocked_reason_length CHECK ((char_length(blocked_reason) <= 2000)),
    CONSTRAINT missions_description_check CHECK (((description IS NULL) OR (length(description) <= 10000))),
    CONSTRAINT missions_schedule CHECK (((scheduled_end IS NULL) OR (scheduled_start IS NULL) OR (scheduled_end > scheduled_start))),
    CONSTRAINT missions_title_check CHECK (((length(btrim(title)) >= 1) AND (length(btrim(title)) <= 200)))
);

ALTER TABLE ONLY public.missions
    ADD CONSTRAINT missions_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.missions
    ADD CONSTRAINT missions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.missions
    ADD CONSTRAINT missions_client_fkey FOREIGN KEY (org_id, client_id) REFERENCES public.clients(org_id, id);

ALTER TABLE ONLY public.missions
    ADD CONSTRAINT missions_client_request_fkey FOREIGN KEY (org_id, client_request_id) REFERENCES public.client_requests(org_id, id);

ALTER TABLE ONLY public.missions
    ADD CONSTRAINT missions_contract_fkey FOREIGN KEY (org_id, contract_id) REFERENCES public.maintenance_contracts(org_id, id);

ALTER TABLE ONLY public.missions
    ADD CONSTRAINT missions_created_by_fkey FOREIGN KEY (created_by) REFERENCES auth.users(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.missions
    ADD CONSTRAINT missions_emergency_fkey FOREIGN KEY (org_id, emergency_request_id) REFERENCES public.emergency_requests(org_id, id);

ALTER TABLE ONLY public.missions
    ADD CONSTRAINT missions_site_fkey FOREIGN KEY (org_id, client_id, site_id) REFERENCES public.sites(org_id, client_id, id);

ALTER TABLE ONLY public.missions
    ADD CONSTRAINT missions_technician_fkey FOREIGN KEY (org_id, technician_id) REFERENCES public.memberships(org_id, user_id);

-- The blocked-mission alert scans only blocked rows.
CREATE INDEX missions_blocked_idx ON public.missions USING btree (org_id, blocked_at) WHERE (status = 'blocked'::public.mission_status);

CREATE INDEX missions_client_idx ON public.missions USING btree (org_id, client_id);

CREATE INDEX missions_client_request_idx ON public.missions USING btree (org_id, client_request_id) WHERE (client_request_id IS NOT NULL);

CREATE INDEX missions_contract_idx ON public.missions USING btree (org_id, contract_id) WHERE (contract_id IS NOT NULL);

-- Indexes behind the "who did it" foreign keys of the customers/work tables.
--
-- Without them, deleting an auth user (ON DELETE SET NULL) scans each table,
-- and audit queries "what did this person create / acknowledge" do too.
-- Partial: most rows created by the system or a portal have no actor to find.
CREATE INDEX missions_created_by_idx ON public.missions USING btree (created_by) WHERE (created_by IS NOT NULL);

CREATE INDEX missions_emergency_request_idx ON public.missions USING btree (org_id, emergency_request_id) WHERE (emergency_request_id IS NOT NULL);

CREATE INDEX missions_org_open_idx ON public.missions USING btree (org_id, scheduled_start) WHERE (status = ANY (ARRAY['new'::public.mission_status, 'published'::public.mission_status, 'assigned'::public.mission_status, 'in_progress'::public.mission_status, 'blocked'::public.mission_status]));

CREATE INDEX missions_org_status_idx ON public.missions USING btree (org_id, status);

-- missions_technician_idx leads with technician_id alone; a user's missions
-- in one organization (removing their membership there) need both columns.
CREATE INDEX missions_org_technician_idx ON public.missions USING btree (org_id, technician_id) WHERE (technician_id IS NOT NULL);

CREATE INDEX missions_site_idx ON public.missions USING btree (org_id, site_id);

CREATE INDEX missions_technician_idx ON public.missions USING btree (technician_id, scheduled_start) WHERE (technician_id IS NOT NULL);

CREATE INDEX missions_technician_open_idx ON public.missions USING btree (technician_id, scheduled_start) WHERE (status = ANY (ARRAY['new'::public.mission_status, 'published'::public.mission_status, 'assigned'::public.mission_status, 'in_progress'::public.mission_status, 'blocked'::public.mission_status]));

-- The RLS technician scope key of a mission, an expression of its own columns:
--   (org_id, technician_id)  when a technician holds or is offered it,
--   (org_id)                 when it is published and nobody holds it (the pool),
--   null                     otherwise (new or cancelled without a technician),
-- as bytea (uuid_send: 32 or 16 bytes, so the two shapes never collide).
-- Not partial: `key = any (<array parameter>)` does not let the planner prove
-- `key is not null`, so a partial index would never be chosen.
CREATE INDEX missions_technician_scope_idx ON public.missions USING btree ((
CASE
    WHEN (technician_id IS NOT NULL) THEN (uuid_send(org_id) || uuid_send(technician_id))
    WHEN (status = 'published'::public.mission_status) THEN uuid_send(org_id)
    ELSE NULL::bytea
END));

COMMENT ON INDEX public.missions_technician_scope_idx IS 'RLS technician scope key of a mission: (org_id, technician_id), or (org_id) for the published pool; see private.my_technician_mission_keys().';

ALTER TABLE public.missions ENABLE ROW LEVEL SECURITY;

CREATE POLICY missions_insert ON public.missions FOR INSERT TO authenticated WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- missions -------------------------------------------------------------------
-- The technician branch is one indexable predicate: the mission's scope key
-- (missions_technician_scope_idx) = any (the caller's keys,
-- private.my_technician_mission_keys()). Same rows as "technician_id = me, or
-- published with no technician, in an organization where I am a technician";
-- a former technician (role changed) has no key for that organization. As two
-- multi-column branches, the planner matched each against every index of
-- missions to build a BitmapOr: planning under RLS cost twice the query
-- (0.18 → 0.13 ms planning for a technician's "my open missions", 100,000
-- missions). Branches in the order they are cheapest to decide for the rows
-- they admit: a technician's rows pass the first, so the staff and client
-- helpers are never called for them (an InitPlan runs only when needed).
CREATE POLICY missions_select ON public.missions FOR SELECT TO authenticated USING (((
CASE
    WHEN (technician_id IS NOT NULL) THEN (uuid_send(org_id) || uuid_send(technician_id))
    WHEN (status = 'published'::public.mission_status) THEN uuid_send(org_id)
    ELSE NULL::bytea
END = ANY (( SELECT private.my_technician_mission_keys() AS my_technician_mission_keys)::bytea[])) OR (org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{client}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (client_id = ANY (( SELECT private.my_client_ids() AS my_client_ids)::uuid[])))));

CREATE POLICY missions_update ON public.missions FOR UPDATE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE TRIGGER missions_guard_columns BEFORE UPDATE ON public.missions FOR EACH ROW EXECUTE FUNCTION private.guard_mission_columns();

-- AFTER: the row exists (foreign key) and every BEFORE trigger has accepted it.
CREATE TRIGGER missions_status_history_insert AFTER INSERT ON public.missions FOR EACH ROW EXECUTE FUNCTION private.record_mission_status_change();

CREATE TRIGGER missions_status_history_update AFTER UPDATE OF status ON public.missions FOR EACH ROW WHEN ((old.status IS DISTINCT FROM new.status)) EXECUTE FUNCTION private.record_mission_status_change();

CREATE TRIGGER missions_status_transition BEFORE INSERT OR UPDATE OF status ON public.missions FOR EACH ROW EXECUTE FUNCTION private.validate_mission_transition();

CREATE TRIGGER missions_technician_role BEFORE INSERT OR UPDATE OF technician_id ON public.missions FOR EACH ROW EXECUTE FUNCTION private.check_mission_technician();

CREATE TRIGGER missions_touch BEFORE UPDATE ON public.missions FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TABLE public.missions IS 'A piece of work on a site: new → published → assigned → in_progress ⇄ blocked → done → invoiced.';

GRANT SELECT ON TABLE public.missions TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.missions TO service_role;

GRANT INSERT(id) ON TABLE public.missions TO authenticated;

GRANT INSERT(org_id) ON TABLE public.missions TO authenticated;

GRANT INSERT(client_id),UPDATE(client_id) ON TABLE public.missions TO authenticated;

GRANT INSERT(site_id),UPDATE(site_id) ON TABLE public.missions TO authenticated;

GRANT INSERT(contract_id),UPDATE(contract_id) ON TABLE public.missions TO authenticated;

GRANT INSERT(client_request_id),UPDATE(client_request_id) ON TABLE public.missions TO authenticated;

GRANT INSERT(emergency_request_id),UPDATE(emergency_request_id) ON TABLE public.missions TO authenticated;

GRANT INSERT(title),UPDATE(title) ON TABLE public.missions TO authenticated;

GRANT INSERT(description),UPDATE(description) ON TABLE public.missions TO authenticated;

GRANT INSERT(scheduled_start),UPDATE(scheduled_start) ON TABLE public.missions TO authenticated;

GRANT INSERT(scheduled_end),UPDATE(scheduled_end) ON TABLE public.missions TO authenticated;

GRANT INSERT(technician_id),UPDATE(technician_id) ON TABLE public.missions TO authenticated;

GRANT INSERT(priority),UPDATE(priority) ON TABLE public.missions TO authenticated;

-- The technician scope ("assigned"): missions assigned to the current user in
-- an organization where they are a technician, plus that organization's
-- published missions nobody holds yet (the pool a technician accepts from).
-- private.assigned_missions() is the one definition; it selects by the same
-- scope key as the missions policy (same index, they cannot drift apart).
-- Two helpers expose one column of it each, for the policies of the rows
-- those missions need: private.my_assigned_mission_ids() (notes, history,
-- stock movements) and private.my_assigned_mission_refs(<column>) (clients,
-- sites, contracts, requests, emergencies), called as
-- `col in (select private.my_assigned_…(…))`.
CREATE FUNCTION private.assigned_missions() RETURNS SETOF public.missions
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select m.*
  from public.missions m
  where (case when m.technician_id is not null then pg_catalog.uuid_send(m.org_id) operator(pg_catalog.||) pg_catalog.uuid_send(m.technician_id)
              when m.status = 'published' then pg_catalog.uuid_send(m.org_id) end)
        = any (private.my_technician_mission_keys())
$$;

COMMENT ON FUNCTION private.assigned_missions() IS 'RLS (technician scope "assigned"): missions assigned to the current technician or open to them (published, no technician). Not granted to the API roles: my_assigned_mission_ids() and my_assigned_mission_refs(column) expose one column each.';

REVOKE ALL ON FUNCTION private.assigned_missions() FROM PUBLIC;

-- The mission, when the caller may see it. Visibility here is coarse on
-- purpose (members of the organization; portal users for their own client);
-- what a role may *do* is the trigger's business.
CREATE FUNCTION private.mission_for_caller(p_mission_id uuid) RETURNS public.missions
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_mission public.missions%rowtype;
  v_member  public.memberships%rowtype;
begin
  if p_mission_id is null then
    perform private.raise_api_error('missing_parameter', 'A mission id is required');
  end if;
  select m.* into v_mission from public.missions m where m.id = p_mission_id;
  if found and not private.is_system_actor() then
    select ms.* into v_member from public.memberships ms where ms.org_id = v_mission.org_id and ms.user_id = auth.uid();
    if v_member.id is null or (v_member.role = 'client' and v_member.client_id is distinct from v_mission.client_id) then
      v_mission := null;
    end if;
  end if;
  if v_mission.id is null then
    perform private.raise_api_error('not_found', pg_catalog.format('Mission %s not found', p_mission_id));
  end if;
  return v_mission;
end;
$$;

CREATE TABLE public.mission_notes (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    mission_id uuid NOT NULL,
    author_id uuid,
    body text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT mission_notes_body_length CHECK (((length(body) <= 10000) AND (btrim(body) <> ''::text)))
);

ALTER TABLE ONLY public.mission_notes
    ADD CONSTRAINT mission_notes_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.mission_notes
    ADD CONSTRAINT mission_notes_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.mission_notes
    ADD CONSTRAINT mission_notes_author_id_fkey FOREIGN KEY (author_id) REFERENCES auth.users(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.mission_notes
    ADD CONSTRAINT mission_notes_mission_fkey FOREIGN KEY (org_id, mission_id) REFERENCES public.missions(org_id, id) ON DELETE CASCADE;

-- Deleting a user sets author_id to null: index the foreign key.
CREATE INDEX mission_notes_author_idx ON public.mission_notes USING btree (author_id) WHERE (author_id IS NOT NULL);

-- A mission's notes, in order.
CREATE INDEX mission_notes_mission_idx ON public.mission_notes USING btree (org_id, mission_id, created_at);

ALTER TABLE public.mission_notes ENABLE ROW LEVEL SECURITY;

-- mission_notes --------------------------------------------------------------
CREATE POLICY mission_notes_select ON public.mission_notes FOR SELECT TO authenticated USING (((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{technician}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (mission_id IN ( SELECT private.my_assigned_mission_ids() AS my_assigned_mission_ids)))));

COMMENT ON TABLE public.mission_notes IS 'Notes on a mission by its technician or dispatch; added through add_mission_note (idempotent).';

COMMENT ON COLUMN public.mission_notes.id IS 'May be generated by the client (offline), so it can be referenced before sync.';

GRANT SELECT ON TABLE public.mission_notes TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.mission_notes TO service_role;

CREATE TABLE public.mission_status_history (
    id bigint NOT NULL,
    org_id uuid NOT NULL,
    mission_id uuid NOT NULL,
    from_status public.mission_status,
    to_status public.mission_status NOT NULL,
    changed_by uuid,
    changed_at timestamp with time zone DEFAULT now() NOT NULL,
    reason text,
    CONSTRAINT mission_status_history_reason_length CHECK ((char_length(reason) <= 2000))
);

ALTER TABLE public.mission_status_history ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.mission_status_history_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

ALTER TABLE ONLY public.mission_status_history
    ADD CONSTRAINT mission_status_history_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.mission_status_history
    ADD CONSTRAINT mission_status_history_changed_by_fkey FOREIGN KEY (changed_by) REFERENCES auth.users(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.mission_status_history
    ADD CONSTRAINT mission_status_history_mission_fkey FOREIGN KEY (org_id, mission_id) REFERENCES public.missions(org_id, id) ON DELETE CASCADE;

-- Deleting a user sets changed_by to null: index the foreign key.
CREATE INDEX mission_status_history_changed_by_idx ON public.mission_status_history USING btree (changed_by) WHERE (changed_by IS NOT NULL);

CREATE INDEX mission_status_history_mission_idx ON public.mission_status_history USING btree (org_id, mission_id, changed_at);

ALTER TABLE public.mission_status_history ENABLE ROW LEVEL SECURITY;

-- mission_status_history -----------------------------------------------------
CREATE POLICY mission_status_history_select ON public.mission_status_history FOR SELECT TO authenticated USING (((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{technician}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (mission_id IN ( SELECT private.my_assigned_mission_ids() AS my_assigned_mission_ids)))));

COMMENT ON TABLE public.mission_status_history IS 'Every status change of a mission: who, from, to, when, why.';

GRANT SELECT ON TABLE public.mission_status_history TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.mission_status_history TO service_role;

CREATE TABLE public.mission_valid_transitions (
    from_status public.mission_status NOT NULL,
    to_status public.mission_status NOT NULL,
    -- Roles (in the mission's organization) allowed to make the move; empty when only a system context may.
    allowed_roles public.member_role[] NOT NULL,
    -- A technician may make the move only on a mission assigned to them.
    requires_assignee boolean DEFAULT false NOT NULL,
    -- The move needs a reason (for blocked: missions.blocked_reason).
    requires_reason boolean DEFAULT false NOT NULL,
    -- When set, the move is made only by code running in this terrain.system_context (never by a user directly).
    system_context text,
    description text NOT NULL,
    CONSTRAINT mission_valid_transitions_assignee_is_technician CHECK (((NOT requires_assignee) OR ('technician'::public.member_role = ANY (allowed_roles)))),
    CONSTRAINT mission_valid_transitions_description_length CHECK ((char_length(description) <= 500)),
    CONSTRAINT mission_valid_transitions_not_a_loop CHECK ((from_status <> to_status)),
    CONSTRAINT mission_valid_transitions_one_kind_of_actor CHECK (((system_context IS NULL) = (cardinality(allowed_roles) > 0))),
    CONSTRAINT mission_valid_transitions_system_context_length CHECK ((char_length(system_context) <= 63))
);

ALTER TABLE ONLY public.mission_valid_transitions
    ADD CONSTRAINT mission_valid_transitions_pkey PRIMARY KEY (from_status, to_status);

ALTER TABLE public.mission_valid_transitions ENABLE ROW LEVEL SECURITY;

-- mission_valid_transitions (reference data, no organization) -----------------
CREATE POLICY mission_valid_transitions_select ON public.mission_valid_transitions FOR SELECT TO authenticated USING (true);

COMMENT ON TABLE public.mission_valid_transitions IS 'Reference data (global, not per organization): the mission status graph, who may make each move and what it needs. Enforced by trigger private.validate_mission_transition(); any pair not listed is an invalid transition.';

COMMENT ON COLUMN public.mission_valid_transitions.requires_assignee IS 'A technician may make this move only on a mission assigned to them. (published → assigned is not flagged: a technician accepting a mission becomes its technician.)';

GRANT SELECT ON TABLE public.mission_valid_transitions TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.mission_valid_transitions TO service_role;

INSERT INTO public.mission_valid_transitions (from_status, to_status, allowed_roles, requires_assignee, requires_reason, system_context, description) VALUES
    ('new', 'published', '{owner,admin,dispatcher}', false, false, NULL, 'Dispatch publishes a mission so technicians can see and accept it.'),
    ('published', 'assigned', '{owner,admin,dispatcher,technician}', false, false, NULL, 'A technician accepts the mission (it becomes theirs), or dispatch assigns it to a technician.'),
    ('assigned', 'in_progress', '{technician}', true, false, NULL, 'The assigned technician starts work on site.'),
    ('in_progress', 'blocked', '{owner,admin,dispatcher,technician}', true, true, NULL, 'Work stops for a reason (missing part, no access); the blocked-mission alert watches these.'),
    ('blocked', 'in_progress', '{owner,admin,dispatcher,technician}', true, false, NULL, 'Work resumes; the blocking reason is cleared (it stays in the history).'),
    ('in_progress', 'done', '{owner,admin,technician}', true, false, NULL, 'The work is finished and can be invoiced.'),
    ('done', 'invoiced', '{}', false, false, 'invoicing', 'Set by invoicing when the mission is put on an invoice, never by a user directly.'),
    ('new', 'cancelled', '{owner,admin,dispatcher}', false, false, NULL, 'Extension: a mission nobody has accepted yet is called off.'),
    ('published', 'cancelled', '{owner,admin,dispatcher}', false, false, NULL, 'Extension: a mission nobody has accepted yet is called off.');

COMMENT ON FUNCTION private.apply_mission_transition(p_mission_id uuid, p_to_status public.mission_status, p_reason text, p_technician_id uuid) IS 'Moves one mission under its row lock (the trigger enforces the graph and roles); same status = no-op. Raises on refusal.';

COMMENT ON FUNCTION private.mission_for_caller(p_mission_id uuid) IS 'The mission when the caller may see it (system; member of its organization; portal user of its client), else "Mission … not found".';

COMMENT ON FUNCTION public.add_mission_note(p_mission_id uuid, p_body text, p_idempotency_key text, p_note_id uuid) IS 'Adds a note (1..10000 characters) to a mission: owner, admin, dispatcher, or the mission''s technician. Idempotent by p_idempotency_key; p_note_id lets the client choose the note id. Returns {note_id, mission_id, author_id, created_at}.';

COMMENT ON FUNCTION public.bulk_transition_missions(p_mission_ids uuid[], p_to_status public.mission_status, p_reason text) IS 'Moves up to 100 missions to p_to_status, each on its own (one refusal never blocks the others). Returns {results: [{id, ok, status, changed} | {id, ok: false, error, code}] in the given order, summary: {requested, succeeded, failed}}. Not idempotent by key: a repeated bulk call finds the missions already moved and reports them unchanged.';

COMMENT ON FUNCTION public.transition_mission(p_mission_id uuid, p_to_status public.mission_status, p_idempotency_key text, p_reason text, p_technician_id uuid) IS 'Moves a mission to p_to_status (p_reason: required to block; p_technician_id: when dispatch assigns). Idempotent by p_idempotency_key (8..200 characters, client-generated): a replay returns the first result and changes nothing. Returns {mission_id, previous_status, status, changed, technician_id, started_at, blocked_at, blocked_reason, completed_at, updated_at}.';

REVOKE ALL ON FUNCTION private.apply_mission_transition(p_mission_id uuid, p_to_status public.mission_status, p_reason text, p_technician_id uuid) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.mission_for_caller(p_mission_id uuid) FROM PUBLIC;

REVOKE ALL ON FUNCTION public.add_mission_note(p_mission_id uuid, p_body text, p_idempotency_key text, p_note_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.add_mission_note(p_mission_id uuid, p_body text, p_idempotency_key text, p_note_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.add_mission_note(p_mission_id uuid, p_body text, p_idempotency_key text, p_note_id uuid) TO service_role;

REVOKE ALL ON FUNCTION public.bulk_transition_missions(p_mission_ids uuid[], p_to_status public.mission_status, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.bulk_transition_missions(p_mission_ids uuid[], p_to_status public.mission_status, p_reason text) TO authenticated;
GRANT ALL ON FUNCTION public.bulk_transition_missions(p_mission_ids uuid[], p_to_status public.mission_status, p_reason text) TO service_role;

REVOKE ALL ON FUNCTION public.transition_mission(p_mission_id uuid, p_to_status public.mission_status, p_idempotency_key text, p_reason text, p_technician_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.transition_mission(p_mission_id uuid, p_to_status public.mission_status, p_idempotency_key text, p_reason text, p_technician_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.transition_mission(p_mission_id uuid, p_to_status public.mission_status, p_idempotency_key text, p_reason text, p_technician_id uuid) TO service_role;

