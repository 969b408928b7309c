-- =============================================================================
-- pg_cron's tables without pg_cron — for a backup restored into a database
-- that is NOT the one named by the server setting cron.database_name.
--
-- pg_cron can only be created in that one database (its scheduler is a single
-- background worker bound to it at server start). A restore into another
-- database (a scratch copy, a side-by-side inspection) still needs cron.job
-- and cron.job_run_details: the ops views read them, and the archive holds
-- their rows. This creates the same tables (pg_cron 1.4's columns) so the
-- rows come back and the views work; NOTHING RUNS THEM. Restoring into the
-- cron database (`--force-over-live`) recreates the real extension instead,
-- and its jobs are scheduled again. See docs/operations.md.
-- =============================================================================
create schema cron;
comment on schema cron is
  'Stand-in for pg_cron (restored copy outside cron.database_name): the job tables and their rows, no scheduler.';

create sequence cron.jobid_seq;
create sequence cron.runid_seq;

create table cron.job (
  jobid    bigint primary key default pg_catalog.nextval('cron.jobid_seq'),
  schedule text not null,
  command  text not null,
  nodename text not null default 'localhost',
  nodeport integer not null default pg_catalog.inet_server_port(),
  database text not null default pg_catalog.current_database(),
  username text not null default current_user,
  active   boolean not null default true,
  jobname  name,
  constraint jobname_username_uniq unique (jobname, username)
);

create table cron.job_run_details (
  jobid          bigint,
  runid          bigint primary key default pg_catalog.nextval('cron.runid_seq'),
  job_pid        integer,
  database       text,
  username       text,
  command        text,
  status         text,
  return_message text,
  start_time     timestamptz,
  end_time       timestamptz
);

-- As pg_cron does: every role sees only its own jobs, and nobody else may touch them.
alter table cron.job enable row level security;
alter table cron.job_run_details enable row level security;
create policy cron_job_policy on cron.job using (username = current_user);
create policy cron_job_run_details_policy on cron.job_run_details using (username = current_user);
revoke all on schema cron from public;
revoke all on all tables in schema cron from public;
