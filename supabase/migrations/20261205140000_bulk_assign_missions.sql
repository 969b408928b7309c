-- =============================================================================
-- Bulk assignment: the dispatcher's board selects several missions and gives
-- them to one technician.
--
-- public.bulk_transition_missions moves missions to a status but cannot name
-- a technician (a bulk "assigned" keeps the technician each mission was
-- offered to). Assigning many missions to one person is the dispatcher's
-- daily move, so it gets its own function with the same contract: each
-- mission in its own subtransaction through private.apply_mission_transition
-- (the state machine, the role checks and the technician-role trigger all
-- apply), one result per mission in the caller's order, a refusal never
-- blocking the others.
-- =============================================================================

create function public.bulk_assign_missions(p_mission_ids uuid[], p_technician_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count     integer := coalesce(pg_catalog.cardinality(p_mission_ids), 0);
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
  if p_technician_id is null then
    perform private.raise_api_error('missing_parameter', 'A technician is required to assign missions');
  end if;
  if v_count > 100 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('At most 100 missions per bulk assignment (got %s)', v_count));
  end if;
  if pg_catalog.array_ndims(p_mission_ids) > 1 then
    perform private.raise_api_error('invalid_parameter', 'Mission ids must be a one-dimensional list');
  end if;
  v_results := pg_catalog.array_fill(null::jsonb, array[v_count]);

  -- Locked in id order, as bulk_transition_missions does: two bulk calls over
  -- the same missions wait for each other instead of deadlocking.
  for v_item in
    select u.id, u.ord from unnest(p_mission_ids) with ordinality as u (id, ord) order by u.id, u.ord
  loop
    begin
      v_result := private.apply_mission_transition(v_item.id, 'assigned', null, p_technician_id);
      v_results[v_item.ord] := pg_catalog.jsonb_build_object('id', v_item.id, 'ok', true,
                                                             'status', v_result -> 'status', 'changed', v_result -> 'changed',
                                                             'technician_id', v_result -> 'technician_id');
      v_succeeded := v_succeeded + 1;
    exception when others then
      get stacked diagnostics v_detail = pg_exception_detail;
      v_error := private.api_error_parts(sqlstate, sqlerrm, v_detail);
      v_results[v_item.ord] := pg_catalog.jsonb_build_object('id', v_item.id, 'ok', false,
                                                             'error', v_error ->> 'message', 'code', v_error -> 'code');
    end;
  end loop;

  return pg_catalog.jsonb_build_object(
    'results', coalesce(pg_catalog.to_jsonb(v_results), '[]'::jsonb),
    'summary', pg_catalog.jsonb_build_object('requested', v_count, 'succeeded', v_succeeded, 'failed', v_count - v_succeeded)
  );
end;
$$;

comment on function public.bulk_assign_missions(uuid[], uuid) is 'Assigns up to 100 missions (published, or already held by that technician) to one technician, each on its own (one refusal never blocks the others). Returns {results: [{id, ok, status, changed, technician_id} | {id, ok: false, error, code}] in the given order, summary: {requested, succeeded, failed}}.';

revoke all on function public.bulk_assign_missions(uuid[], uuid) from public;
grant execute on function public.bulk_assign_missions(uuid[], uuid) to authenticated, service_role;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable', 'public.bulk_assign_missions(uuid[],uuid)',
   'Each item goes through private.apply_mission_transition, which finds the mission only in the caller''s organizations and checks the role per transition; the technician-role trigger checks the technician named.');
