/**
 * Pausing a cluster's pg_cron jobs for a test that must not race them.
 *
 * pg_cron's per-minute jobs (alert checks, the notification signal) write in
 * their own transactions and lock the tables they touch: a pgTAP file reading
 * those tables sees rows appear mid-file, and DDL (a migration, a down file)
 * can deadlock with them. pg_cron 1.4.2 has no switch for the whole scheduler
 * (`cron.launch_active_jobs` came later), so the jobs are switched off one by
 * one with cron.alter_job, a run already started is waited out, and exactly
 * the jobs that were active are switched back on afterwards.
 */
import type pg from "pg";

/** Waits (up to 30 s) until no pg_cron job run is starting or running. */
export async function waitForCronIdle(client: pg.Client): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const { rows } = await client.query("select count(*)::int as n from cron.job_run_details where status in ('starting', 'running')");
    if (rows[0].n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Switches every active job off and waits for runs in progress to end.
 * Returns the ids of the jobs it paused (none when pg_cron is not installed).
 */
export async function pauseCronJobs(client: pg.Client): Promise<string[]> {
  const installed = (await client.query("select to_regclass('cron.job') is not null as ok")).rows[0].ok as boolean;
  if (!installed) return [];
  const paused = await client.query<{ jobid: string }>("select j.jobid, cron.alter_job(j.jobid, active := false) from cron.job j where j.active");
  await waitForCronIdle(client);
  return paused.rows.map((r) => r.jobid);
}

/** Switches the jobs pauseCronJobs paused back on. */
export async function resumeCronJobs(client: pg.Client, jobIds: string[]): Promise<void> {
  if (jobIds.length === 0) return;
  await client.query("select cron.alter_job(id::bigint, active := true) from unnest($1::text[]) id", [jobIds]);
}
