-- The API error catalogue (private.api_errors) and its raise helper: inside a
-- PostgREST request (request.method set) a catalogued error becomes SQLSTATE
-- PGRST with the JSON body and HTTP status PostgREST answers; anywhere else it
-- keeps the catalogue's SQLSTATE and plain message, with the code in DETAIL.
begin;
select plan(24);

-- What a caller sees of an error: sqlstate, message, detail, hint.
create function pg_temp.caught(p_sql text) returns jsonb language plpgsql as $$
declare
  v_state text; v_msg text; v_detail text; v_hint text;
begin
  execute p_sql;
  return jsonb_build_object('result', 'no error');
exception when others then
  get stacked diagnostics v_state = returned_sqlstate, v_msg = message_text, v_detail = pg_exception_detail, v_hint = pg_exception_hint;
  return jsonb_build_object('sqlstate', v_state, 'message', v_msg, 'detail', v_detail, 'hint', v_hint);
end $$;

-- -----------------------------------------------------------------------------
-- The catalogue as data
-- -----------------------------------------------------------------------------
select has_table('private', 'api_errors', 'the catalogue is a table');
select col_is_pk('private', 'api_errors', 'code', 'one row per code');
select ok((select count(*) from private.api_errors) >= 20, 'the catalogue lists the business errors');
select set_eq($$select code from private.api_errors where code in
  ('not_found', 'invoice_locked', 'invalid_transition', 'insufficient_stock', 'forbidden_role', 'validation_failed', 'timesheet_locked')$$,
  array['not_found', 'invoice_locked', 'invalid_transition', 'insufficient_stock', 'forbidden_role', 'validation_failed', 'timesheet_locked'],
  'the core codes are there');
select throws_ok($$insert into private.api_errors values ('Bad-Code', 400, '22023', 'a code that is not snake_case')$$,
  '23514', null, 'a code is lower snake_case');
select throws_ok($$insert into private.api_errors values ('teapot', 418, '22023', 'an HTTP status PostgREST clients do not expect')$$,
  '23514', null, 'the HTTP status is one of the client-error statuses the API uses');
select throws_ok($$insert into private.api_errors values ('bad_state', 400, 'P01', 'a SQLSTATE that is not five characters')$$,
  '23514', null, 'a SQLSTATE is five characters');
select ok(not has_table_privilege('authenticated', 'private.api_errors', 'select')
          and not has_table_privilege('anon', 'private.api_errors', 'select')
          and not has_table_privilege('service_role', 'private.api_errors', 'select'),
  'no API role reads the catalogue directly');

-- -----------------------------------------------------------------------------
-- Outside PostgREST (psql, pgTAP, pg_cron, edge functions over postgres.js)
-- -----------------------------------------------------------------------------
select is(pg_temp.caught($$select private.raise_api_error('invoice_locked', 'Invoice FAC-2026-00001 is locked (status: sent)')$$),
  jsonb_build_object('sqlstate', 'P0001', 'message', 'Invoice FAC-2026-00001 is locked (status: sent)',
                     'detail', '{"code" : "invoice_locked", "details" : null}', 'hint', ''),
  'plain path: the catalogue''s SQLSTATE, the plain message, the code in DETAIL, no hint');
select throws_ok($$select private.raise_api_error('not_found', 'Invoice x not found')$$,
  'P0002', 'Invoice x not found', 'plain path: throws_ok on SQLSTATE and message keeps holding');
select is(pg_temp.caught($$select private.raise_api_error('timesheet_locked', 'Timesheet t is approved and locked', 'approved by a', 'Ask an owner')$$)
          - 'sqlstate' - 'message',
  jsonb_build_object('detail', '{"code" : "timesheet_locked", "details" : "approved by a"}', 'hint', 'Ask an owner'),
  'plain path: details travel inside DETAIL next to the code, the hint as HINT');
select is(private.api_error_parts('P0001', 'Invoice F is locked', '{"code" : "invoice_locked", "details" : null}'),
  '{"code": "invoice_locked", "message": "Invoice F is locked"}'::jsonb, 'api_error_parts reads the code of a plain-path error');
select is(private.api_error_parts('23514', 'new row violates check constraint "x"', null),
  '{"code": null, "message": "new row violates check constraint \"x\""}'::jsonb, 'api_error_parts: an error outside the catalogue has no code');

-- -----------------------------------------------------------------------------
-- Unknown codes are errors of their own, never a silent 500 with a wrong body
-- -----------------------------------------------------------------------------
select throws_ok($$select private.raise_api_error('no_such_code', 'whatever')$$,
  'XX000', 'Unknown API error code: no_such_code', 'an unknown code is an internal error naming the code');
select throws_ok($$select private.raise_api_error(null, 'whatever')$$,
  'XX000', 'Unknown API error code: null', 'a null code too');

-- -----------------------------------------------------------------------------
-- Inside a PostgREST request (PostgREST 12 sets request.method)
-- -----------------------------------------------------------------------------
select set_config('request.method', 'POST', true);
select is(pg_temp.caught($$select private.raise_api_error('not_found', 'Invoice x not found')$$) ->> 'sqlstate', 'PGRST',
  'PostgREST path: SQLSTATE PGRST');
select is((pg_temp.caught($$select private.raise_api_error('not_found', 'Invoice x not found')$$) ->> 'message')::jsonb,
  '{"code": "not_found", "message": "Invoice x not found", "details": null, "hint": null}'::jsonb,
  'PostgREST path: the message is the JSON body {code, message, details, hint}');
select is((pg_temp.caught($$select private.raise_api_error('not_found', 'Invoice x not found')$$) ->> 'detail')::jsonb,
  '{"status": 404, "headers": {}}'::jsonb, 'PostgREST path: the detail carries the HTTP status');
select is((pg_temp.caught($$select private.raise_api_error('invoice_locked', 'Invoice F is locked', 'd', 'h')$$) ->> 'message')::jsonb,
  '{"code": "invoice_locked", "message": "Invoice F is locked", "details": "d", "hint": "h"}'::jsonb,
  'PostgREST path: details and hint go into the body');
select is(((pg_temp.caught($$select private.raise_api_error('forbidden_role', 'no')$$) ->> 'detail')::jsonb ->> 'status')::int, 403,
  'forbidden_role answers 403');
select is(((pg_temp.caught($$select private.raise_api_error('invalid_transition', 'no')$$) ->> 'detail')::jsonb ->> 'status')::int, 409,
  'invalid_transition answers 409');
select is_empty($$select e.code from private.api_errors e
                  where ((pg_temp.caught(format('select private.raise_api_error(%L, %L)', e.code, 'm')) ->> 'detail')::jsonb ->> 'status')::int
                        is distinct from e.http_status$$,
  'every code answers its catalogue status');
select is(private.api_error_parts('PGRST', '{"code":"not_found","message":"Invoice x not found","details":null,"hint":null}', '{"status":404,"headers":{}}'),
  '{"code": "not_found", "message": "Invoice x not found"}'::jsonb, 'api_error_parts reads the code and plain message of a PostgREST-path error');
select throws_ok($$select private.raise_api_error('no_such_code', 'whatever')$$,
  'XX000', 'Unknown API error code: no_such_code', 'an unknown code is an internal error under PostgREST too');

select * from finish();
rollback;
