-- DRAFT down file of 20261201000000_extensions_and_schemas.sql

-- objects it created, newest first
drop schema private;
drop schema ops;
drop schema audit;
drop extension pg_cron;
