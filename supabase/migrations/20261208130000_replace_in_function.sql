-- ops.replace_in_function: a migration that changes one expression of a
-- function changes that expression, not a copy of the whole function.
--
-- Correcting one line of a long PL/pgSQL function meant repeating all of it
-- twice: in the migration (create or replace with the new line) and in its
-- down file (the old one), three copies of the same hundred lines to keep
-- apart by eye. With this, the migration names the function, the text it
-- replaces and the new text; the down file swaps the two. The function is
-- re-created from its own definition (pg_get_functiondef: header, settings
-- and body as stored; its comment, owner and grants stay, as with any
-- create or replace), so nothing else of it can change. It refuses unless
-- the old text occurs exactly once: a function that is not the one the
-- migration was written against stops the migration instead of being
-- patched somewhere else. supabase/schema.sql shows the resulting function.
-- For migrations run by the database owner; no API role may call it.

create function ops.replace_in_function(p_function regprocedure, p_old text, p_new text)
returns void
language plpgsql
set search_path = ''
as $$
declare
  -- With an empty search_path every type of the header comes out schema-qualified.
  v_definition text := pg_catalog.pg_get_functiondef(p_function);
  v_occurrences integer;
begin
  if coalesce(p_old, '') = '' or p_new is null then
    raise exception 'ops.replace_in_function: the text to replace and its replacement are required'
      using errcode = '22023';
  end if;
  v_occurrences := (pg_catalog.length(v_definition) - pg_catalog.length(pg_catalog.replace(v_definition, p_old, '')))
                   / pg_catalog.length(p_old);
  if v_occurrences <> 1 then
    raise exception '% contains the text to replace % times, not once: %', p_function, v_occurrences, p_old
      using errcode = '55000';
  end if;
  execute pg_catalog.replace(v_definition, p_old, p_new);
end;
$$;

comment on function ops.replace_in_function(regprocedure, text, text) is
  'For migrations: re-creates a function from its own definition with one text (found exactly once, else 55000) replaced. Its down file swaps the two texts.';
revoke all on function ops.replace_in_function(regprocedure, text, text) from public, anon, authenticated, service_role;
