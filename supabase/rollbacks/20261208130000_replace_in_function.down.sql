-- Down file of supabase/migrations/20261208130000_replace_in_function.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).

drop function ops.replace_in_function(regprocedure, text, text);
