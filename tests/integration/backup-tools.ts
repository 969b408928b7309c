/**
 * What the backup and crash tests share: running the npm scripts of
 * scripts/ops as an operator does, and a fingerprint of every table computed
 * here, independently of the code under test (its own formula: md5 of the
 * rows' text in C-collation order).
 */
import { join } from "node:path";
import type pg from "pg";
import { ROOT } from "../../scripts/stack/config.ts";
import { runAsync, type RunResult } from "../../scripts/stack/proc.ts";

/** `npm run <script> -- args` against the database at `dbUrl` (tsx directly: same command, no npm banner). */
export function opsScript(script: "backup" | "restore" | "verify-backup", args: string[], dbUrl: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return runAsync(join(ROOT, "node_modules/.bin/tsx"), [join(ROOT, "scripts/ops", `${script}.ts`), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, TERRAIN_DB_URL: dbUrl },
  });
}

/** The backup directory `npm run backup` printed on its last line. */
export function backupDirOf(r: RunResult): string {
  const last = r.stdout.trim().split("\n").pop() ?? "";
  if (r.code !== 0 || !last.startsWith("/")) throw new Error(`backup failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return last;
}

/** Every ordinary table outside the catalogs and `extensions` (pg_cron's included) → rows and digest. */
export async function tableFingerprints(c: pg.Client): Promise<Record<string, { rows: number; digest: string }>> {
  const { rows: tables } = await c.query<{ name: string }>(
    `select format('%I.%I', n.nspname, c.relname) as name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r' and n.nspname !~ '^pg_' and n.nspname not in ('information_schema', 'extensions')
      order by 1`,
  );
  const out: Record<string, { rows: number; digest: string }> = {};
  for (const { name } of tables) {
    const { rows } = await c.query<{ rows: number; digest: string }>(
      `select count(*)::int as rows, md5(coalesce(string_agg(t::text, E'\\n' order by t::text collate "C"), '')) as digest
         from only ${name} t`,
    );
    out[name] = rows[0]!;
  }
  return out;
}
