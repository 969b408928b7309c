/**
 * A PostgreSQL cluster of its own for the tests that stop, kill or replace
 * the database (restore over the live database, crash safety), so the shared
 * test stack is never touched. It has the dev profile's settings — fsync,
 * synchronous commit and full-page writes on, as in production — because the
 * test profile's throw-away settings (synchronous_commit off) may lose an
 * acknowledged commit on a crash by design. Its ports sit above the test
 * stack's (API port + offset), its state under the test stack's state directory.
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type StackConfig } from "../../scripts/stack/config.ts";
import { stopCluster } from "../../scripts/stack/db/postgres.ts";
import { stack } from "./harness.ts";

export function dedicatedConfig(name: string, portOffset: number): StackConfig {
  const portBase = Number(new URL(stack.apiUrl).port) + portOffset;
  const stateDir = join(process.env.TERRAIN_STATE_DIR || tmpdir(), name);
  return loadConfig("dev", { portBase, stateDir });
}

/** The environment that points the npm scripts (and their local restart) at this cluster. */
export function dedicatedEnv(cfg: StackConfig): NodeJS.ProcessEnv {
  return { TERRAIN_PROFILE: "dev", TERRAIN_PORT_BASE: String(cfg.ports.api), TERRAIN_STATE_DIR: cfg.stateDir };
}

export function removeCluster(cfg: StackConfig): void {
  stopCluster(cfg, "immediate");
  rmSync(cfg.stateDir, { recursive: true, force: true });
}
