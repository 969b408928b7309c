-- =============================================================================
-- API error catalogue: one stable, machine-readable code per business error,
-- with the HTTP status PostgREST answers and the SQLSTATE other callers see.
--
-- Without it PostgREST maps SQLSTATEs, not meanings: every P0001 becomes 400,
-- P0002 ("not found") and 55000 ("wrong state") become 500, so a client cannot
-- tell a locked invoice from a typo. Functions raise through
-- private.raise_api_error(code, message, ...) instead of `raise exception`:
--
--   * inside a PostgREST request (PostgREST 12 sets the transaction-local
--     setting request.method) it raises SQLSTATE 'PGRST' with
--       message = {"code": <code>, "message": …, "details": …, "hint": …}
--       detail  = {"status": <http_status>, "headers": {}}
--     and PostgREST answers exactly that status and body;
--   * anywhere else (psql, pgTAP, pg_cron, postgres.js in edge functions) it
--     raises the catalogue's SQLSTATE with the plain message, the caller's hint
--     as HINT, and DETAIL = {"code": <code>, "details": <details or null>}, so
--     every caller can read the code.
--
-- The codes are documented in docs/errors.md, generated from this table
-- (npm run docs:errors).
-- =============================================================================

create table private.api_errors (
  code        text primary key check (code ~ '^[a-z][a-z0-9_]*$'),
  http_status integer not null check (http_status in (400, 401, 403, 404, 409, 413, 415, 422, 429)),
  sqlstate    text not null check (sqlstate ~ '^[0-9A-Z]{5}$'),
  description text not null check (length(btrim(description)) >= 10)
);

comment on table private.api_errors is
  'One row per stable API error code: the HTTP status PostgREST answers, the SQLSTATE other callers see. Raised by private.raise_api_error(); documented in docs/errors.md.';

-- The SQLSTATE of each code mirrors what the functions raised before the
-- catalogue existed, so callers that match on SQLSTATEs keep working.
insert into private.api_errors (code, http_status, sqlstate, description) values
  -- 400: the request itself is malformed
  ('invalid_parameter',       400, '22023', 'A parameter has a value the function does not accept (out of range, wrong shape, unknown name).'),
  ('missing_parameter',       400, '22004', 'A required parameter is null or missing.'),
  ('value_too_long',          400, '22001', 'A text parameter is longer than allowed.'),
  ('feature_not_supported',   400, '0A000', 'The call is made in a way the database does not support (for example a REPEATABLE READ transaction).'),
  -- 401 / 403: who is asking
  ('authentication_required', 401, '42501', 'The call needs a signed-in user.'),
  ('sign_in_required',        401, '28000', 'The call needs a signed-in user (session-bound action).'),
  ('forbidden_role',          403, '42501', 'The caller''s role in the organization does not allow this action.'),
  ('not_assigned',            403, '42501', 'The mission is not assigned to the calling technician.'),
  -- 404: nothing the caller may see has that id
  ('not_found',               404, 'P0002', 'No row with that id exists, or the caller may not see it (the two answers are the same on purpose).'),
  -- 409: the request conflicts with the current state of a row
  ('invalid_transition',      409, 'P0001', 'The row''s current status does not allow this change (state machine of missions, quotes, invoices, timesheets, emergencies, API keys).'),
  ('already_assigned',        409, 'P0001', 'The mission is already assigned to another technician.'),
  ('invoice_locked',          409, 'P0001', 'The invoice is issued (sent, paid): it is immutable; correct it with a credit note.'),
  ('quote_locked',            409, 'P0001', 'The quote is sent, accepted, refused or expired: it can no longer be edited.'),
  ('timesheet_locked',        409, 'P0001', 'The timesheet is approved or invoiced: an owner or admin override (with a reason) is needed.'),
  ('mission_closed',          409, 'P0001', 'The mission is done or invoiced: no more hours or stock can be recorded on it.'),
  ('insufficient_stock',      409, 'P0001', 'The stock on hand is lower than the quantity requested.'),
  ('append_only',             409, 'P0001', 'The table keeps history: rows are never changed nor removed.'),
  ('invalid_state',           409, '55000', 'The row is not in a state that allows this action (already resolved, failed for good, ...).'),
  ('already_exists',          409, '23505', 'A row with that id already exists.'),
  ('unknown_reference',       409, '23503', 'A referenced row does not exist in the caller''s organization.'),
  -- 413
  ('payload_too_large',       413, '54000', 'The payload is larger than allowed.'),
  -- 422: well-formed, but a business rule refuses it
  ('validation_failed',       422, '23514', 'A value breaks a rule on its own (bounds, length, required reason).'),
  ('rule_violation',          422, 'P0001', 'The request breaks a business rule (legal mentions, chronology, totals, credit limits, daily hours, ...).'),
  ('computed_field',          422, '428C9', 'The field is computed by the database and cannot be written.'),
  ('idempotency_key_reused',  422, 'P0001', 'The idempotency key was already used for a different request.');

-- Only the raise helper (security definer) and DBAs read the catalogue.
revoke all on table private.api_errors from public, anon, authenticated, service_role;

-- -----------------------------------------------------------------------------
-- private.raise_api_error: the one way business errors leave the database.
-- Security definer so that any caller (anon, authenticated, service_role,
-- pg_cron) can look the code up without a grant on the catalogue.
-- -----------------------------------------------------------------------------
create function private.raise_api_error(p_code text, p_message text, p_details text default null, p_hint text default null)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_error private.api_errors;
begin
  select e.* into v_error from private.api_errors e where e.code = p_code;
  if not found then
    -- A typo in a code must never turn into a silent 500 with a wrong body:
    -- it is a programming error, reported as such (XX000 internal_error).
    raise exception 'Unknown API error code: %', coalesce(p_code, 'null')
      using errcode = 'XX000', detail = coalesce(p_message, '');
  end if;

  if coalesce(current_setting('request.method', true), '') <> '' then
    -- Inside a PostgREST request: PostgREST turns SQLSTATE PGRST into the
    -- response, status and body taken from the detail and message.
    raise sqlstate 'PGRST' using
      message = pg_catalog.json_build_object(
        'code', v_error.code, 'message', p_message, 'details', p_details, 'hint', p_hint)::text,
      detail = pg_catalog.json_build_object('status', v_error.http_status, 'headers', pg_catalog.json_build_object())::text;
  end if;

  if p_hint is null then
    raise exception using
      errcode = v_error.sqlstate,
      message = coalesce(p_message, v_error.description),
      detail = pg_catalog.json_build_object('code', v_error.code, 'details', p_details)::text;
  end if;
  raise exception using
    errcode = v_error.sqlstate,
    message = coalesce(p_message, v_error.description),
    detail = pg_catalog.json_build_object('code', v_error.code, 'details', p_details)::text,
    hint = p_hint;
end;
$$;

comment on function private.raise_api_error(text, text, text, text) is
  'Raises the catalogued error p_code (private.api_errors): SQLSTATE PGRST with the JSON body and HTTP status inside a PostgREST request, else the code''s SQLSTATE with the plain message and DETAIL {"code", "details"}. Never returns.';

-- -----------------------------------------------------------------------------
-- private.api_error_parts: what a handler that CATCHES an error (bulk
-- functions reporting per item) should report: the plain message and the
-- code, whichever path raised it. Errors raised outside the catalogue (a
-- constraint, a cast) keep their message and have a null code.
-- -----------------------------------------------------------------------------
create function private.api_error_parts(p_sqlstate text, p_message text, p_detail text)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_body jsonb;
begin
  if p_sqlstate = 'PGRST' then
    begin
      v_body := p_message::jsonb;
      return pg_catalog.jsonb_build_object('code', v_body ->> 'code', 'message', v_body ->> 'message');
    exception when invalid_text_representation then
      null; -- not a JSON body: fall through
    end;
  end if;
  if p_detail like '{"code"%' then
    begin
      v_body := p_detail::jsonb;
      return pg_catalog.jsonb_build_object('code', v_body ->> 'code', 'message', p_message);
    exception when invalid_text_representation then
      null;
    end;
  end if;
  return pg_catalog.jsonb_build_object('code', null, 'message', p_message);
end;
$$;

comment on function private.api_error_parts(text, text, text) is
  'For exception handlers: {"code", "message"} of a caught error (sqlstate, sqlerrm, PG_EXCEPTION_DETAIL), whether it was raised for PostgREST (PGRST, JSON message) or for a plain caller.';

-- Every API role may end up raising (a trigger fired by a direct table write
-- runs as the caller), so every API role may execute the helpers. They reveal
-- nothing but the catalogue's status and SQLSTATE for a code.
revoke all on function private.raise_api_error(text, text, text, text) from public;
revoke all on function private.api_error_parts(text, text, text) from public;
grant execute on function private.raise_api_error(text, text, text, text) to anon, authenticated, service_role;
grant execute on function private.api_error_parts(text, text, text) to anon, authenticated, service_role;

-- anon reaches these through the anon-callable RPCs and triggers (unsubscribe,
-- direct writes refused by a trigger); they are in private, which PostgREST
-- does not expose, so they are no RPC.
insert into ops.lint_allowlist (rule, object, reason) values
  ('anon_execute', 'private.raise_api_error(text,text,text,text)',
   'Every business error is raised through it, including from functions and triggers anon runs; it only raises the catalogued error for a code.'),
  ('anon_execute', 'private.api_error_parts(text,text,text)',
   'Exception handlers of functions anon may run read the code and message of a caught error with it; it is pure (immutable) and reads nothing.');
