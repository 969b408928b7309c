/**
 * The one path to a usable local database, in dependency order:
 * cluster (created when missing, started when stopped) → compat layer →
 * migrations → seed. `npm start`, `npm test`, `db reset|migrate` and the bench
 * all come through here, so they cannot drift apart.
 *
 * The seed runs only on a fresh database (a reset, or one never migrated), as
 * `supabase db reset` does: re-seeding a database in use would collide with
 * its data.
 */
import { rmSync } from "node:fs";
import type { StackConfig } from "../config.ts";
import { applyCompat, isEmpty, migrate, recreateDatabase, seed, type MigrateResult } from "./migrate.ts";
import { initCluster, startCluster } from "./postgres.ts";

export interface EnsureDatabaseOptions {
  /** Drop and recreate the database first (`db reset`). Default: keep it and apply pending migrations. */
  reset?: boolean;
}

export interface EnsureDatabaseResult extends MigrateResult {
  /** The cluster's data directory was created by this call. */
  createdCluster: boolean;
  /** The cluster was started by this call (false: it was already running). */
  startedCluster: boolean;
  /** The database was (re)created from nothing: every migration ran and the seed with them. */
  fresh: boolean;
  /** Seed files run, in order (empty unless fresh). */
  seeded: string[];
}

export async function ensureDatabase(cfg: StackConfig, { reset = false }: EnsureDatabaseOptions = {}): Promise<EnsureDatabaseResult> {
  const createdCluster = initCluster(cfg);
  const startedCluster = await startCluster(cfg);
  // A database that was never migrated is recreated as on a reset, so that
  // whatever a failed first start left in it cannot survive.
  const fresh = reset || (await isEmpty(cfg));
  if (fresh) {
    await recreateDatabase(cfg);
    // The storage stand-in's bytes belong to storage.objects rows that are now gone.
    rmSync(cfg.storageDir, { recursive: true, force: true });
  }
  await applyCompat(cfg);
  const migrated = await migrate(cfg);
  const seeded = fresh ? await seed(cfg) : [];
  return { ...migrated, createdCluster, startedCluster, fresh, seeded };
}
