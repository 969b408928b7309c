-- Error codes of file attachments (public.attachments, the attachments edge
-- function), in the catalogue every refusal goes through (docs/errors.md).
--
-- rate_limited is the code the rate limiter already answers 429 with
-- (private.api_pre_request); cataloguing it lets functions raise it through
-- private.raise_api_error as well, with the same status.
insert into private.api_errors (code, http_status, sqlstate, description) values
  ('unsupported_media_type', 415, '22023',
   'The file''s MIME type is not allowed for this kind of attachment (see private.attachment_type_mimes).'),
  ('attachment_not_uploaded', 422, 'P0001',
   'No stored object at the attachment''s path: upload the file to the signed URL before finalizing.'),
  ('attachment_mismatch', 422, 'P0001',
   'The stored object differs from what the upload declared (size or MIME type): upload the declared file again.'),
  ('rate_limited', 429, '53400',
   'Too many requests in the current window: retry after the number of seconds in Retry-After.')
on conflict (code) do nothing;

-- rate_limited with its Retry-After header: private.raise_api_error carries no
-- headers, and a 429 without Retry-After leaves a client guessing when to come
-- back. Inside a PostgREST request the header goes in PGRST's detail, as the
-- db-pre-request hook does; elsewhere the seconds are in the DETAIL.
create function private.raise_rate_limited(p_retry_after_seconds integer, p_message text)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if coalesce(current_setting('request.method', true), '') <> '' then
    raise sqlstate 'PGRST' using
      -- details repeats the seconds for clients that cannot read response
      -- headers (supabase-js's PostgrestError carries none).
      message = pg_catalog.json_build_object(
        'code', 'rate_limited', 'message', p_message,
        'details', pg_catalog.json_build_object('retry_after_seconds', p_retry_after_seconds)::text)::text,
      detail = pg_catalog.json_build_object(
        'status', 429,
        'headers', pg_catalog.json_build_object('Retry-After', p_retry_after_seconds::text))::text;
  end if;
  raise exception using
    errcode = '53400',
    message = p_message,
    detail = pg_catalog.json_build_object('code', 'rate_limited', 'retry_after_seconds', p_retry_after_seconds)::text;
end;
$$;

comment on function private.raise_rate_limited(integer, text) is
  'Raises rate_limited (429) with Retry-After: PGRST with the header inside a PostgREST request, else SQLSTATE 53400 with {"code", "retry_after_seconds"} in DETAIL. Never returns.';

revoke all on function private.raise_rate_limited(integer, text) from public;
