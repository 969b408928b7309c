/**
 * The supervisor of the functions runtime: the command line and environment it
 * gives Deno, and what happens when functions cannot boot (a real runtime,
 * started with an empty Deno cache).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureDir, loadConfig, LOCAL_DEV_JWT_SECRET } from "../config.ts";
import { functionsRuntimeArgs, functionsRuntimeEnv, startFunctions } from "./supervisor.ts";
import { MAX_BODY_BYTES } from "../http.ts";
import { apiKeys } from "../keys.ts";
import { stopChild } from "../proc.ts";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const scratch = mkdtempSync(join(tmpdir(), "terrain-functions-supervisor-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("functions runtime supervisor", () => {
  it("never downloads at boot: the runtime runs with --cached-only", () => {
    expect(functionsRuntimeArgs()).toContain("--cached-only");
  });

  it("gives Deno the user's CA bundle and proxies, and no other variable of the shell", async () => {
    const cfg = loadConfig("test", { stateDir: join(scratch, "env") });
    const keys = await apiKeys(LOCAL_DEV_JWT_SECRET);
    const env = functionsRuntimeEnv(cfg, keys, {
      PATH: "/usr/bin",
      HOME: "/home/dev",
      NODE_EXTRA_CA_CERTS: "/etc/corp-ca.pem",
      HTTPS_PROXY: "http://proxy:3128",
      no_proxy: "127.0.0.1",
      AWS_SECRET_ACCESS_KEY: "shell secret",
    });
    expect(env.DENO_CERT).toBe("/etc/corp-ca.pem");
    expect(env.HTTPS_PROXY).toBe("http://proxy:3128");
    expect(env.no_proxy).toBe("127.0.0.1");
    expect(env).not.toHaveProperty("AWS_SECRET_ACCESS_KEY");
    expect(env).not.toHaveProperty("NODE_EXTRA_CA_CERTS");
    expect(env.SUPABASE_URL).toBe(cfg.apiUrl);
    // One body limit for the stack: the runtime gets the gateway's.
    expect(env.FUNCTIONS_MAX_BODY_BYTES).toBe(String(MAX_BODY_BYTES));
  });

  it("refuses to call the runtime ready when no function boots, naming each and its error", async () => {
    const base = loadConfig("test", { stateDir: join(scratch, "empty-cache") });
    const cfg = { ...base, ports: { ...base.ports, functions: await freePort() } };
    ensureDir(cfg.logDir);
    const keys = await apiKeys(LOCAL_DEV_JWT_SECRET);
    const emptyDenoDir = mkdtempSync(join(scratch, "deno-dir-"));
    const warnings: string[] = [];
    const started = startFunctions(cfg, keys, {
      parentEnv: { PATH: process.env.PATH, HOME: process.env.HOME, DENO_DIR: emptyDenoDir },
      warn: (line) => warnings.push(line),
    });
    const error = await started.then(
      ({ child }) => {
        child.kill("SIGKILL");
        return undefined;
      },
      (err: unknown) => err as Error,
    );
    expect(error, "startFunctions resolved although no function could load its npm packages").toBeInstanceOf(Error);
    for (const name of ["events", "health", "metrics"]) {
      expect(error!.message).toMatch(new RegExp(`edge function "${name}" failed to boot: .+`));
    }
    // The cache stayed empty: the runtime did not try to download at boot.
    expect(readFileSync(join(cfg.logDir, "functions.log"), "utf8")).not.toMatch(/Download https?:/);
  }, 60_000);

  it("without the VAPID variables `push` fails to boot, naming them; events, health and metrics serve", async () => {
    const base = loadConfig("test", { stateDir: join(scratch, "no-vapid") });
    const cfg = { ...base, ports: { ...base.ports, functions: await freePort() } };
    ensureDir(cfg.logDir);
    const warnings: string[] = [];
    const { child, status } = await startFunctions(cfg, await apiKeys(LOCAL_DEV_JWT_SECRET), { warn: (line) => warnings.push(line) });
    try {
      // Other functions with secrets of their own may fail here too; these three need none.
      expect(status.failed).toContain("push");
      expect(status.functions).toEqual(expect.arrayContaining(["events", "health", "metrics", "push"]));
      for (const name of ["events", "health", "metrics"]) expect(status.failed).not.toContain(name);
      for (const name of ["VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT"]) {
        expect(status.boot_errors.push).toContain(`${name} (missing)`);
      }
      expect(warnings).toContainEqual(expect.stringMatching(/^✖ edge function "push" failed to boot: .*VAPID_PUBLIC_KEY/));
    } finally {
      await stopChild(child);
    }
  }, 60_000);
});
