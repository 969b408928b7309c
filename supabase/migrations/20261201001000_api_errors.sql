-- =============================================================================
-- Baseline: the API error catalogue (docs/errors.md, docs/conventions.md § Errors).
--
-- Every refusal raised by a rule or an RPC goes through private.raise_api_error
-- with a stable code from private.api_errors, so a client reads a code, an
-- HTTP status and a message instead of parsing Postgres text. It comes first
-- because every other baseline raises through it.
-- =============================================================================

-- Every name below is schema-qualified, as in supabase/schema.sql. Function
-- bodies are resolved when first called, not here: some read tables that a
-- later baseline creates (the plpgsql_check lint in ops and the pgTAP suite
-- check them). Both settings end with this migration's transaction.
select pg_catalog.set_config('search_path', '', true);
set local check_function_bodies = false;

-- -----------------------------------------------------------------------------
-- private.api_error_parts: what a handler that CATCHES an error (bulk
-- functions reporting per item) should report: the plain message and the
-- code, whichever path raised it. Errors raised outside the catalogue (a
-- constraint, a cast) keep their message and have a null code.
-- -----------------------------------------------------------------------------
CREATE FUNCTION private.api_error_parts(p_sqlstate text, p_message text, p_detail text) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $$
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

-- -----------------------------------------------------------------------------
-- private.raise_api_error: the one way business errors leave the database.
-- Security definer so that any caller (anon, authenticated, service_role,
-- pg_cron) can look the code up without a grant on the catalogue.
-- -----------------------------------------------------------------------------
CREATE FUNCTION private.raise_api_error(p_code text, p_message text, p_details text DEFAULT NULL::text, p_hint text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

CREATE TABLE private.api_errors (
    code text NOT NULL,
    http_status integer NOT NULL,
    sqlstate text NOT NULL,
    description text NOT NULL,
    CONSTRAINT api_errors_code_check CHECK ((code ~ '^[a-z][a-z0-9_]*$'::text)),
    CONSTRAINT api_errors_description_check CHECK ((length(btrim(description)) >= 10)),
    CONSTRAINT api_errors_http_status_check CHECK ((http_status = ANY (ARRAY[400, 401, 403, 404, 409, 413, 415, 422, 429]))),
    CONSTRAINT api_errors_sqlstate_check CHECK ((sqlstate ~ '^[0-9A-Z]{5}$'::text))
);

ALTER TABLE ONLY private.api_errors
    ADD CONSTRAINT api_errors_pkey PRIMARY KEY (code);

COMMENT ON TABLE private.api_errors IS 'One row per stable API error code: the HTTP status PostgREST answers, the SQLSTATE other callers see. Raised by private.raise_api_error(); documented in docs/errors.md.';

INSERT INTO private.api_errors (code, http_status, sqlstate, description) VALUES
    ('invalid_parameter', 400, '22023', 'A parameter has a value the function does not accept (out of range, wrong shape, unknown name).'),
    ('missing_parameter', 400, '22004', 'A required parameter is null or missing.'),
    ('value_too_long', 400, '22001', 'A text parameter is longer than allowed.'),
    ('feature_not_supported', 400, '0A000', 'The call is made in a way the database does not support (for example a REPEATABLE READ transaction).'),
    ('authentication_required', 401, '42501', 'The call needs a signed-in user.'),
    ('sign_in_required', 401, '28000', 'The call needs a signed-in user (session-bound action).'),
    ('forbidden_role', 403, '42501', 'The caller''s role in the organization does not allow this action.'),
    ('not_assigned', 403, '42501', 'The mission is not assigned to the calling technician.'),
    ('not_found', 404, 'P0002', 'No row with that id exists, or the caller may not see it (the two answers are the same on purpose).'),
    ('invalid_transition', 409, 'P0001', 'The row''s current status does not allow this change (state machine of missions, quotes, invoices, timesheets, emergencies, API keys).'),
    ('already_assigned', 409, 'P0001', 'The mission is already assigned to another technician.'),
    ('invoice_locked', 409, 'P0001', 'The invoice is issued (sent, paid): it is immutable; correct it with a credit note.'),
    ('quote_locked', 409, 'P0001', 'The quote is sent, accepted, refused or expired: it can no longer be edited.'),
    ('timesheet_locked', 409, 'P0001', 'The timesheet is approved or invoiced: an owner or admin override (with a reason) is needed.'),
    ('mission_closed', 409, 'P0001', 'The mission is done or invoiced: no more hours or stock can be recorded on it.'),
    ('insufficient_stock', 409, 'P0001', 'The stock on hand is lower than the quantity requested.'),
    ('append_only', 409, 'P0001', 'The table keeps history: rows are never changed nor removed.'),
    ('invalid_state', 409, '55000', 'The row is not in a state that allows this action (already resolved, failed for good, ...).'),
    ('already_exists', 409, '23505', 'A row with that id already exists.'),
    ('unknown_reference', 409, '23503', 'A referenced row does not exist in the caller''s organization.'),
    ('payload_too_large', 413, '54000', 'The payload is larger than allowed.'),
    ('validation_failed', 422, '23514', 'A value breaks a rule on its own (bounds, length, required reason).'),
    ('rule_violation', 422, 'P0001', 'The request breaks a business rule (legal mentions, chronology, totals, credit limits, daily hours, ...).'),
    ('computed_field', 422, '428C9', 'The field is computed by the database and cannot be written.'),
    ('idempotency_key_reused', 422, 'P0001', 'The idempotency key was already used for a different request.'),
    ('last_owner', 409, '23514', 'The change would leave the organization without an owner: make another member owner first, or use transfer_ownership.'),
    ('technician_has_open_missions', 409, '23514', 'A technician who still holds assigned, in-progress or blocked missions cannot change role or leave: reassign the missions first.');

COMMENT ON FUNCTION private.api_error_parts(p_sqlstate text, p_message text, p_detail text) IS 'For exception handlers: {"code", "message"} of a caught error (sqlstate, sqlerrm, PG_EXCEPTION_DETAIL), whether it was raised for PostgREST (PGRST, JSON message) or for a plain caller.';

COMMENT ON FUNCTION private.raise_api_error(p_code text, p_message text, p_details text, p_hint text) IS 'Raises the catalogued error p_code (private.api_errors): SQLSTATE PGRST with the JSON body and HTTP status inside a PostgREST request, else the code''s SQLSTATE with the plain message and DETAIL {"code", "details"}. Never returns.';

REVOKE ALL ON FUNCTION private.api_error_parts(p_sqlstate text, p_message text, p_detail text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.api_error_parts(p_sqlstate text, p_message text, p_detail text) TO anon;
GRANT ALL ON FUNCTION private.api_error_parts(p_sqlstate text, p_message text, p_detail text) TO authenticated;
GRANT ALL ON FUNCTION private.api_error_parts(p_sqlstate text, p_message text, p_detail text) TO service_role;

REVOKE ALL ON FUNCTION private.raise_api_error(p_code text, p_message text, p_details text, p_hint text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.raise_api_error(p_code text, p_message text, p_details text, p_hint text) TO anon;
GRANT ALL ON FUNCTION private.raise_api_error(p_code text, p_message text, p_details text, p_hint text) TO authenticated;
GRANT ALL ON FUNCTION private.raise_api_error(p_code text, p_message text, p_details text, p_hint text) TO service_role;

