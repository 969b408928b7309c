-- An emergency's description, refused with a catalogue error when it says
-- nothing. The client portal's emergency form sends what the client typed;
-- the table's CHECK (emergency_requests_description_check) refused a blank
-- description with PostgreSQL's constraint text, which the form then showed
-- as is, and it let through a description of spaces and line breaks (btrim
-- only strips spaces). This trigger refuses both with validation_failed and
-- a message a person can read (docs/errors.md); the CHECK stays as the last
-- line of defence for writers that bypass triggers.
--
-- Every writer goes through it: the portal, the office (updates of the
-- description) and the event rules that open emergencies (they get the same
-- refusal instead of the constraint's).

create function private.validate_emergency_description() returns trigger
  language plpgsql
  set search_path = ''
as $$
begin
  -- [:space:] covers tabs and line breaks, which btrim() in the CHECK keeps.
  if new.description is null
     or new.description !~ '[^[:space:]]'
     or pg_catalog.length(pg_catalog.btrim(new.description)) > 10000 then
    perform private.raise_api_error('validation_failed', 'An emergency needs a description of 1 to 10000 characters');
  end if;
  return new;
end;
$$;

comment on function private.validate_emergency_description() is
  'Trigger on public.emergency_requests: the description has a visible character and at most 10000 characters once trimmed; validation_failed otherwise.';

revoke all on function private.validate_emergency_description() from public;

create trigger emergency_requests_validate_description
  before insert or update of description on public.emergency_requests
  for each row execute function private.validate_emergency_description();
