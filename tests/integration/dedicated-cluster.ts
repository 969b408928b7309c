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
import { createServer } from "node:net";
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

/** True when nothing holds 127.0.0.1:port (a listener, or a client socket given it as its ephemeral port). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * dedicatedConfig at the first offset (portOffset, then +100, +200 …) whose
 * ports are all free now. The stacks' ports sit inside Linux's ephemeral range
 * (32768–60999), so on a busy machine a client connection may hold one of
 * them for a while: a fixed offset then fails to start for no fault of the
 * code under test.
 */
export async function dedicatedConfigOnFreePorts(name: string, portOffset: number): Promise<StackConfig> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const cfg = dedicatedConfig(name, portOffset + attempt * 100);
    // The PostgREST admin server listens two ports above the REST port.
    const ports = [...Object.values(cfg.ports), cfg.ports.rest + 2];
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return cfg;
  }
  throw new Error(`no free ports for the ${name} cluster above offset ${portOffset}`);
}

/** The environment that points the npm scripts (and their local restart) at this cluster. */
export function dedicatedEnv(cfg: StackConfig): NodeJS.ProcessEnv {
  return { TERRAIN_PROFILE: "dev", TERRAIN_PORT_BASE: String(cfg.ports.api), TERRAIN_STATE_DIR: cfg.stateDir };
}

export function removeCluster(cfg: StackConfig): void {
  stopCluster(cfg, "immediate");
  rmSync(cfg.stateDir, { recursive: true, force: true });
}
