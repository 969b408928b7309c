-- Extensions the application relies on.
--
-- pg_cron: scheduled jobs (alert checks, clean-ups) run inside the database so
--   they keep running whatever happens to the API tier. It must be created in
--   the database named by `cron.database_name` (postgres, locally and on
--   Supabase). Supabase creates it in pg_catalog; the `cron` schema holds
--   its tables.
-- pgcrypto: digest() for hash chains and API-key hashes, gen_random_bytes() for
--   secrets. Supabase keeps it in the `extensions` schema.
create extension if not exists pg_cron with schema pg_catalog;
create extension if not exists pgcrypto with schema extensions;

grant usage on schema cron to postgres;
