-- Two functions were changed by two lines of work at once: the non-finite
-- guard of the stock trigger and the one-call CSV escaping of the audit export
-- (docs/data-integrity.md), and the error-catalogue conversion of both
-- (docs/errors.md), which re-declared them from their earlier bodies and so
-- dropped the first change. Each is declared here with both changes.

-- The stock trigger: the catalogue's raises plus the finite-quantity guard.
CREATE OR REPLACE FUNCTION private.check_stock_movement()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_on_hand numeric;
  v_count bigint;
  v_delta numeric;
begin
  -- The generated column is computed after BEFORE triggers: derive it here,
  -- strictly. A malformed row is refused now (the CHECK constraints would
  -- refuse it too, but only after this trigger had judged the stock on a
  -- meaningless delta, e.g. an 'in' of -100 reported as insufficient stock).
  -- NaN compares greater than every number and ±Infinity survives the sums:
  -- refuse both before any stock arithmetic (docs/data-integrity.md).
  if new.quantity in ('NaN', 'Infinity', '-Infinity') then
    perform private.raise_api_error('validation_failed',
      pg_catalog.format('Stock movement quantity must be a finite number (got %s)', new.quantity));
  end if;
  if new.quantity is null or new.quantity <= 0 then
    perform private.raise_api_error('validation_failed', pg_catalog.format('Stock movement quantity must be greater than 0 (got %s)', coalesce(pg_catalog.trim_scale(new.quantity)::text, 'null')));
  end if;
  v_delta := case
    when new.kind = 'in' and new.adjustment_direction is null then new.quantity
    when new.kind = 'out' and new.adjustment_direction is null then -new.quantity
    when new.kind = 'adjustment' and new.adjustment_direction = 'up' then new.quantity
    when new.kind = 'adjustment' and new.adjustment_direction = 'down' then -new.quantity
  end;
  if v_delta is null then
    perform private.raise_api_error('validation_failed', 'Stock movement kind must be in, out or adjustment; an adjustment needs a direction (up or down) and only adjustments have one');
  end if;

  select i.on_hand, i.movement_count into v_on_hand, v_count
  from public.stock_items i
  where i.org_id = new.org_id and i.id = new.item_id
  for update;
  if not found then
    perform private.raise_api_error('unknown_reference', pg_catalog.format('Stock item %s not found', new.item_id));
  end if;

  if v_on_hand + v_delta < 0 then
    perform private.raise_api_error('insufficient_stock', pg_catalog.format('Insufficient stock. Available: %s, Requested: %s', pg_catalog.trim_scale(v_on_hand), pg_catalog.trim_scale(new.quantity)));
  end if;

  perform pg_catalog.set_config('terrain.stock_movement_item', new.item_id::text, true);
  update public.stock_items i
  set on_hand = v_on_hand + v_delta, movement_count = v_count + 1
  where i.org_id = new.org_id and i.id = new.item_id;
  perform pg_catalog.set_config('terrain.stock_movement_item', '', true);

  new.item_seq := v_count + 1;
  new.balance_after := v_on_hand + v_delta;
  if auth.uid() is not null then
    new.author := auth.uid();
  end if;
  return new;
end;
$function$;

-- The audit CSV export: escaping in one audit.csv_rows call per export (per-field
-- calls of a function with its own search_path cannot be inlined and cost ~10×
-- on a 50,000-row export), with the catalogue's raise for a bad limit.
create or replace function public.audit_log_csv(
  p_org_id     uuid,
  p_table_name text default null,
  p_actor      uuid default null,
  p_from       timestamptz default null,
  p_to         timestamptz default null,
  p_before_id  bigint default null,
  p_limit      integer default 10000
)
returns public."text/csv"
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_limit integer := coalesce(p_limit, 10000);
  v_table text := audit.qualified_table_name(p_table_name);
  v_rows text[];
  v_count integer;
  v_last_id bigint;
  v_more boolean;
  v_headers jsonb;
begin
  perform audit.authorize_reader(p_org_id);
  if v_limit < 1 or v_limit > 50000 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('p_limit must be between 1 and 50000 (got %s)', v_limit));
  end if;

  -- One array row per record; audit.csv_rows escapes them all in one call.
  -- occurred_at is formatted here as audit.utc_iso does (a per-row call of
  -- a function with a SET clause would not be inlined).
  select pg_catalog.array_agg(
           array[
             r.id::text,
             pg_catalog.to_char(pg_catalog.timezone('UTC', r.occurred_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
             r.org_id::text,
             r.actor_user_id::text,
             p.email,
             r.actor_api_key_id::text,
             r.actor_role,
             r.action,
             r.table_name,
             r.row_id,
             r.diff::text,
             r.reason,
             r.request_id,
             r.txid::text]
           order by r.id desc) filter (where r.n <= v_limit),
         count(*) filter (where r.n <= v_limit),
         min(r.id) filter (where r.n <= v_limit),
         count(*) > v_limit
  into v_rows, v_count, v_last_id, v_more
  from (
    select s.*, row_number() over (order by s.id desc) as n
    from audit.select_rows(p_org_id, v_table, p_actor, p_from, p_to, p_before_id, v_limit + 1) s
  ) r
  left join public.profiles p on p.id = r.actor_user_id;

  -- The export is audited: who took which part of the trail out.
  perform audit.append(p_org_id, 'audit_export', 'audit.log', null,
    pg_catalog.jsonb_build_object(
      'format', 'csv',
      'filters', pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'table_name', v_table, 'actor', p_actor, 'from', audit.utc_iso(p_from), 'to', audit.utc_iso(p_to),
        'before_id', p_before_id, 'limit', v_limit)),
      'rows', v_count,
      'truncated', v_more));

  -- HTTP response headers (PostgREST applies them when the transaction commits).
  v_headers := pg_catalog.jsonb_build_array(
    pg_catalog.jsonb_build_object('Content-Disposition', pg_catalog.format('attachment; filename="audit-%s-%s.csv"',
      p_org_id, pg_catalog.to_char(pg_catalog.clock_timestamp() at time zone 'UTC', 'YYYYMMDD"T"HH24MISS"Z"'))));
  if v_more then
    v_headers := v_headers || pg_catalog.jsonb_build_array(
      pg_catalog.jsonb_build_object('X-Audit-Next-Before-Id', v_last_id::text));
  end if;
  perform pg_catalog.set_config('response.headers', v_headers::text, true);

  return 'id,occurred_at,org_id,actor_user_id,actor_email,actor_api_key_id,actor_role,action,table_name,row_id,diff,reason,request_id,txid'
         || E'\r\n' || coalesce(audit.csv_rows(v_rows) || E'\r\n', '');
end;
$$;
