/**
 * npm run verify-backup — prove a backup restores to the database it was taken from.
 *
 *   npm run verify-backup -- <backup dir>
 *   TERRAIN_DB_URL=postgresql://… npm run verify-backup -- <backup dir>   on another server
 *
 * Restores the backup into a scratch database of the same server (refusing a
 * dump that does not match its manifest, as `npm run restore` does), then
 * compares with the manifest: rows and row checksums of every table, the
 * applied migrations, pg_cron's jobs, every ops health check (same verdict
 * and count as at backup time) and public.verify_invoice_chain on every
 * organization (each chain verifies, over as many documents). Prints the
 * verdict, drops the scratch database, and exits
 *   0  identical
 *   1  any difference
 *   2  the backup was refused or could not be restored
 *
 * Health checks with a time window (e.g. an emergency pending for more than
 * 5 minutes) can change verdict as the clock moves: verify right after the
 * backup, as docs/operations.md schedules it.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { databaseUrl } from "../docs/generated-file.ts";
import { captureState, compareStates } from "./database-state.ts";
import { BackupRefusedError } from "./manifest.ts";
import { databaseUrlFor, ident, withDatabase } from "./postgres-tools.ts";
import { restoreBackup } from "./restore.ts";

export interface VerifyResult {
  ok: boolean;
  differences: string[];
  scratchDb: string;
  restoreSeconds: number;
  seconds: number;
}

export async function verifyBackup(backupDir: string, dbUrl: string, say: (line: string) => void = () => {}): Promise<VerifyResult> {
  const t0 = performance.now();
  const scratchDb = `terrain_verify_${process.pid}_${Date.now()}`;
  try {
    const restored = await restoreBackup({ backupDir, dbUrl, targetDb: scratchDb, compare: false, say });
    const { manifest } = restored;
    const checksums = Object.values(manifest.state.tables).some((t) => t.checksum !== undefined);
    say("• Rows, checksums, health checks and invoice chains of the restored copy…");
    const actual = await withDatabase(databaseUrlFor(dbUrl, scratchDb), (c) =>
      captureState(c, { tables: Object.keys(manifest.state.tables), checksums }),
    );
    for (const c of manifest.state.healthChecks.filter((h) => !h.ok)) {
      say(`  note: ${c.name} was already failing when the backup was taken (${c.count})`);
    }
    const differences = compareStates(manifest.state, actual);
    return { ok: differences.length === 0, differences, scratchDb, restoreSeconds: restored.seconds, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await withDatabase(databaseUrlFor(dbUrl, "template1"), (c) => c.query(`drop database if exists ${ident(scratchDb)} with (force)`));
    say(`• Scratch database ${scratchDb} dropped`);
  }
}

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {}, strict: true });
  if (positionals.length !== 1) throw new BackupRefusedError("Usage: npm run verify-backup -- <backup dir>");
  const result = await verifyBackup(resolve(positionals[0]!), databaseUrl(), console.log);
  for (const d of result.differences) console.log(`✖ ${d}`);
  console.log(
    result.ok
      ? `VERIFIED: the backup restores to the backed-up state (restore ${result.restoreSeconds.toFixed(1)}s, total ${result.seconds.toFixed(1)}s).`
      : `NOT VERIFIED: ${result.differences.length} difference(s) between the restored copy and the manifest.`,
  );
  return result.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`verify-backup: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(2);
    },
  );
}
