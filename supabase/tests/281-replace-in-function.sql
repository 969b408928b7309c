-- ops.replace_in_function, the migrations' way to change one expression of
-- a function: the function is re-created from its own definition with that
-- text replaced, its comment, owner, grants and settings kept; a text found
-- zero or several times, or none given, is refused and changes nothing.
-- Nobody but the migrations' role runs it. Rolled back.
begin;
select plan(12);

create schema rif;
-- Definer, stable, an empty search_path, a default: what the replacement must keep.
create function rif.greeting(p_name text default 'world') returns text
  language plpgsql stable security definer set search_path = '' as $$
begin
  -- greet once, politely
  return pg_catalog.format('Hello, %s', p_name);
end;
$$;
comment on function rif.greeting(text) is 'Says hello.';
revoke all on function rif.greeting(text) from public;
grant execute on function rif.greeting(text) to service_role;

-- ------------------------------------------------------------------ who may run it
select is(
  array[has_function_privilege('anon', 'ops.replace_in_function(regprocedure, text, text)', 'execute'),
        has_function_privilege('authenticated', 'ops.replace_in_function(regprocedure, text, text)', 'execute'),
        has_function_privilege('service_role', 'ops.replace_in_function(regprocedure, text, text)', 'execute')],
  array[false, false, false], 'no API role runs it');

-- ------------------------------------------------------------------ refusals change nothing
select throws_ok($$select ops.replace_in_function('rif.greeting(text)', 'Goodbye', 'Bye')$$, '55000',
  'rif.greeting(text) contains the text to replace 0 times, not once: Goodbye', 'a text the function does not contain: refused');
select throws_ok($$select ops.replace_in_function('rif.greeting(text)', 'greet', 'salute')$$, '55000',
  'rif.greeting(text) contains the text to replace 2 times, not once: greet', 'a text found twice: refused, nothing is guessed');
select throws_ok($$select ops.replace_in_function('rif.greeting(text)', '', 'x')$$, '22023',
  'ops.replace_in_function: the text to replace and its replacement are required', 'no text to replace: refused');
select throws_ok($$select ops.replace_in_function('rif.greeting(text)', 'Hello', null)$$, '22023',
  'ops.replace_in_function: the text to replace and its replacement are required', 'no replacement: refused');
select is(rif.greeting('Ada'), 'Hello, Ada', 'after the refusals the function is unchanged');

-- ------------------------------------------------------------------ the replacement
select ops.replace_in_function('rif.greeting(text)', $old$'Hello, %s'$old$, $new$'Good morning, %s'$new$);
select is(rif.greeting('Ada'), 'Good morning, Ada', 'the text is replaced');
select is(rif.greeting(), 'Good morning, world', 'the default argument is kept');
select ok((select prosrc like '%-- greet once, politely%' from pg_proc where oid = 'rif.greeting(text)'::regprocedure),
  'the rest of the body is kept, comments included');
select is(
  (select jsonb_build_array(p.prosecdef, p.provolatile, p.proconfig) from pg_proc p where p.oid = 'rif.greeting(text)'::regprocedure),
  jsonb_build_array(true, 's', array['search_path=""']),
  'security definer, stable and the empty search_path are kept');
select is(obj_description('rif.greeting(text)'::regprocedure, 'pg_proc'), 'Says hello.', 'the comment is kept');
select is(
  array[has_function_privilege('anon', 'rif.greeting(text)', 'execute'), has_function_privilege('service_role', 'rif.greeting(text)', 'execute')],
  array[false, true], 'the grants are kept');

select * from finish();
rollback;
