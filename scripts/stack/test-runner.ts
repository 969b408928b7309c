/**
 * `npm test`: every suite against a throw-away stack.
 *
 *   1. type-check the stack scripts and tests (tsc, strict)
 *   2. bring up a fresh stack on the test ports (profile "test")
 *   3. pgTAP: `pg_prove` over supabase/tests, as `supabase test db` does
 *   4. Deno tests of the functions runtime and shared function code
 *   5. vitest: unit (scripts, web) and integration (supabase-js against the stack)
 *   6. browser: the built app in Debian's Chromium (playwright-core) against the stack
 * The web app is built before the stack starts: the gateway serves web/dist at /
 * and indexes it once, at start.
 * then stop the stack and print one closing line: "total: N passed, M failed".
 *
 * To chase a test that fails once in a while, run only some suites, several
 * times over on the same stack (a full run is still what CI does):
 *   npm test -- --only vitest --repeat 5
 *   npm test -- --only pgtap,deno
 * Suites: typecheck, generated, pgtap, deno, vitest, browser (which implies the web build).
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import pg from "pg";
import { ROOT, loadConfig } from "./config.ts";
import { denoNetworkEnv } from "./functions/deno-env.ts";
import { denoBinary, denoVersion } from "./functions/supervisor.ts";
import { serverVersion, stopCluster } from "./db/postgres.ts";
import { pauseCronJobs, resumeCronJobs } from "./db/cron.ts";
import { precompressDir } from "./gateway/precompress.ts";
import { postgrestVersion } from "./db/postgrest.ts";
import { runAsync } from "./proc.ts";
import { SCHEMA_FILE, schemaDump } from "../db/schema.ts";
import { isFresh } from "../docs/generated-file.ts";
import { generateTypes, TYPES_FILE } from "../db/types.ts";
import { bringUp, runningSupervisor, type RunningStack } from "./stack.ts";
import { denoCertWithTestCa, ensureTestCa } from "./test-ca.ts";

interface StageResult {
  stage: string;
  passed: number;
  failed: number;
  seconds: number;
  note?: string;
  /**
   * What failed, one line each, repeated in the summary: CI keeps only the end
   * of a long log, and a count alone does not say which test to look at.
   */
  failures?: string[];
}

const results: StageResult[] = [];

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, (performance.now() - t0) / 1000];
}

function banner(title: string) {
  console.log(`\n━━ ${title} ${"━".repeat(Math.max(0, 70 - title.length))}`);
}

async function typecheck() {
  banner("TypeScript (tsc --noEmit, strict)");
  const [r, s] = await timed(() => runAsync("node_modules/.bin/tsc", ["-p", "tsconfig.json", "--noEmit"], { cwd: ROOT, echo: true }));
  results.push({ stage: "typecheck", passed: r.code === 0 ? 1 : 0, failed: r.code === 0 ? 0 : 1, seconds: s });
}

async function pgtap(stack: RunningStack) {
  banner("pgTAP (pg_prove supabase/tests)");
  const client = new pg.Client({ connectionString: stack.cfg.dbUrl });
  await client.connect();
  await client.query("create extension if not exists pgtap with schema extensions");
  // pg_cron's per-minute jobs (alert checks above all) write alerts and
  // notifications in their own transactions, which a test reading those tables
  // would see appear mid-file: pause them for the pgTAP run.
  const paused = await pauseCronJobs(client);
  await client.end();
  const url = new URL(stack.cfg.dbUrl);
  const [r, s] = await timed(() =>
    runAsync("pg_prove", ["--ext", ".sql", "-r", "--failures", "supabase/tests"], {
      cwd: ROOT,
      env: { ...process.env, PGHOST: url.hostname, PGPORT: url.port, PGUSER: "postgres", PGPASSWORD: decodeURIComponent(url.password), PGDATABASE: "postgres" },
    }),
  );
  process.stdout.write(r.stdout + r.stderr);
  // pgTAP is test tooling, not part of the schema the migrations build: the
  // later suites (the Supabase CLI's `db lint` over every schema among them,
  // which flags pgTAP's own functions) see the database the migrations made.
  const after = new pg.Client({ connectionString: stack.cfg.dbUrl });
  await after.connect();
  await after
    .query("drop extension if exists pgtap")
    .then(() => resumeCronJobs(after, paused))
    .finally(() => after.end());
  const total = Number(/Tests=(\d+)/.exec(r.stdout)?.[1] ?? 0);
  let failed = [...r.stdout.matchAll(/Failed (\d+)\/\d+ subtests/g)].reduce((n, m) => n + Number(m[1]), 0);
  if (r.code !== 0 && failed === 0) failed = 1; // a file that died before its plan
  // pg_prove's closing table names each failing file ("file.sql  (Wstat: … Tests: … Failed: …)").
  const failures = [...r.stdout.matchAll(/^(\S+\.sql)\s+\(Wstat[^\n]*$/gm)].map((m) => m[0].replace(/\s+/g, " "));
  results.push({ stage: "pgTAP", passed: total - Math.min(failed, total), failed, seconds: s, failures });
}

/**
 * The generated files must be what the migrations produce: supabase/schema.sql
 * (reviewers read it instead of the history) and types/database.ts (the
 * `Database` type the web app and the tests compile against).
 */
async function generatedFilesFresh(stack: RunningStack) {
  banner("generated files match the migrations (schema.sql, database types)");
  const [stale, s] = await timed(async () => {
    const found: string[] = [];
    if (!isFresh(SCHEMA_FILE, await schemaDump(stack.cfg.dbUrl))) found.push("supabase/schema.sql: npm run db:schema");
    if (!isFresh(TYPES_FILE, await generateTypes(stack.cfg.dbUrl))) found.push("types/database.ts: npm run db:types");
    return found;
  });
  for (const line of stale) console.log(`✖ stale ${line} (after npm run db:migrate), and commit it.`);
  if (stale.length === 0) console.log("up to date");
  results.push({ stage: "generated", passed: stale.length === 0 ? 2 : 2 - stale.length, failed: stale.length, seconds: s });
}

async function denoTests(stack: RunningStack) {
  banner("Deno tests (edge functions runtime and shared code)");
  const [r, s] = await timed(() =>
    runAsync(denoBinary(), ["task", "--config", "edge-functions/deno.json", "test"], {
      cwd: ROOT,
      // With a database URL the health checks also run against the real cluster.
      // Dependencies were cached by the install step; the CA/proxy mapping still applies to anything else.
      env: { ...process.env, ...denoNetworkEnv(process.env), NO_COLOR: "1", TERRAIN_TEST_DB_URL: stack.cfg.dbUrl },
    }),
  );
  process.stdout.write(r.stdout + r.stderr);
  const m = /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(r.stdout + r.stderr);
  const passed = Number(m?.[1] ?? 0);
  const failed = Number(m?.[2] ?? 0) || (r.code !== 0 ? 1 : 0);
  // Deno's closing "FAILURES" list: one "name => file:line:col" line per failing test.
  const failures = [...(r.stdout + r.stderr).matchAll(/^(.+ => \S+:\d+:\d+)$/gm)].map((m) => m[0]);
  results.push({ stage: "deno test", passed, failed, seconds: s, failures });
}

/** The variables tests/integration/harness.ts reads: where the throw-away stack is and its keys. */
function stackEnv(stack: RunningStack): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TERRAIN_API_URL: stack.cfg.apiUrl,
    TERRAIN_ANON_KEY: stack.keys.anonKey,
    TERRAIN_SERVICE_ROLE_KEY: stack.keys.serviceRoleKey,
    TERRAIN_JWT_SECRET: stack.cfg.jwtSecret,
    TERRAIN_DB_URL: stack.cfg.dbUrl,
    TERRAIN_STATE_DIR: stack.cfg.stateDir,
  };
}

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  testResults?: {
    name: string;
    status: string;
    message?: string;
    assertionResults?: { fullName: string; status: string; failureMessages?: string[] }[];
  }[];
}

/** "file > test: first line of the error" for each failed test, and each file that failed to load. */
function vitestFailures(report: VitestReport): string[] {
  const out: string[] = [];
  for (const file of report.testResults ?? []) {
    const name = relative(ROOT, file.name);
    const failedTests = (file.assertionResults ?? []).filter((t) => t.status === "failed");
    for (const t of failedTests) out.push(`${name} > ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
    if (failedTests.length === 0 && file.status === "failed") out.push(`${name}: ${firstLine(file.message)}`);
  }
  return out;
}

function firstLine(text: string | undefined): string {
  const line = (text ?? "").split("\n").find((l) => l.trim() !== "") ?? "";
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** One vitest run, counted from its JSON report. */
async function vitestStage(stack: RunningStack, stage: string, reportName: string, extraArgs: string[]) {
  const report = join(stack.cfg.stateDir, reportName);
  const [r, s] = await timed(() =>
    runAsync("node_modules/.bin/vitest", ["run", ...extraArgs, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`], {
      cwd: ROOT,
      echo: true,
      env: stackEnv(stack),
    }),
  );
  let passed = 0;
  let failed = r.code === 0 ? 0 : 1;
  const failures: string[] = [];
  if (existsSync(report)) {
    const j = JSON.parse(readFileSync(report, "utf8")) as VitestReport;
    passed = j.numPassedTests;
    failed = Math.max(j.numFailedTests, r.code === 0 ? 0 : 1);
    failures.push(...vitestFailures(j));
    if (r.code !== 0 && j.numFailedTests === 0) {
      failures.push("every test passed but vitest exited non-zero: an unhandled error or rejection, printed above as \"Unhandled\"");
    }
  }
  results.push({ stage, passed, failed, seconds: s, failures });
}

async function vitest(stack: RunningStack) {
  banner("vitest (unit + integration against the stack)");
  await vitestStage(stack, "vitest", "vitest-report.json", []);
}

/** Needs the build (web/dist, served by the gateway) and Debian's chromium (scripts/ensure-system.sh). */
async function browserTests(stack: RunningStack) {
  banner("browser (Chromium + playwright-core against the stack)");
  await vitestStage(stack, "browser", "browser-report.json", ["--config", "tests/browser/vitest.config.ts"]);
}

async function buildWeb() {
  banner("web build (vite)");
  const [r, s] = await timed(async () => {
    const build = await runAsync("npm", ["run", "build", "-w", "web"], { cwd: ROOT, echo: true });
    // The brotli/gzip twins the gateway serves are part of the build (precompress.ts).
    if (build.code === 0) precompressDir(join(ROOT, "web", "dist"));
    return build;
  });
  results.push({ stage: "web build", passed: r.code === 0 ? 1 : 0, failed: r.code === 0 ? 0 : 1, seconds: s });
}

const SUITES = ["typecheck", "generated", "pgtap", "deno", "vitest", "browser"] as const;
type Suite = (typeof SUITES)[number];

/** `--only a,b` and `--repeat N`; no arguments is the full run. */
function parseArgs(argv: string[]): { only: Set<Suite>; repeat: number } {
  const only = new Set<Suite>(SUITES);
  let repeat = 1;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === "--only" && value !== undefined) {
      only.clear();
      for (const name of value.split(",")) {
        if (!(SUITES as readonly string[]).includes(name)) throw new Error(`--only: unknown suite "${name}" (one of ${SUITES.join(", ")})`);
        only.add(name as Suite);
      }
      i++;
    } else if (arg === "--repeat" && value !== undefined && /^[1-9]\d*$/.test(value)) {
      repeat = Number(value);
      i++;
    } else {
      throw new Error(`unknown argument "${arg}": npm test [-- --only ${SUITES.join(",")}] [--repeat N]`);
    }
  }
  return { only, repeat };
}

async function main() {
  const t0 = performance.now();
  const { only, repeat } = parseArgs(process.argv.slice(2));
  const cfg = loadConfig("test");
  if (runningSupervisor(cfg)) throw new Error(`Another npm test is running (state ${cfg.stateDir}).`);
  // A throw-away stack: whatever a previous (killed) run left is wiped first.
  if (existsSync(cfg.stateDir)) {
    stopCluster(cfg, "immediate");
    rmSync(cfg.stateDir, { recursive: true, force: true });
  }

  if (only.has("typecheck")) await typecheck();
  // Local stand-ins for HTTPS services (the fake push service) present
  // certificates of this CA; the stack's functions runtime trusts it.
  process.env.DENO_CERT = denoCertWithTestCa(ensureTestCa(join(cfg.stateDir, "test-ca")));
  if (only.has("browser")) await buildWeb();
  banner("Starting a throw-away stack");
  const stackStart = performance.now();
  const stack = await bringUp(cfg);
  const upSeconds = (performance.now() - stackStart) / 1000;
  let ok = false;
  try {
    for (let round = 1; round <= repeat; round++) {
      if (repeat > 1) banner(`Round ${round} of ${repeat}`);
      const roundStart = results.length;
      if (only.has("generated") && round === 1) await generatedFilesFresh(stack);
      if (only.has("pgtap")) await pgtap(stack);
      if (only.has("deno")) await denoTests(stack);
      if (only.has("vitest")) await vitest(stack);
      if (only.has("browser")) {
        if (results.find((r) => r.stage === "web build")?.failed === 0) await browserTests(stack);
        else results.push({ stage: "browser", passed: 0, failed: 1, seconds: 0, note: "web build failed" });
      }
      if (repeat > 1) for (const r of results.slice(roundStart)) r.stage = `${r.stage} #${round}`;
    }
    ok = results.every((r) => r.failed === 0);
  } finally {
    await stack.stop();
    if (ok) rmSync(cfg.stateDir, { recursive: true, force: true });
    else console.log(`\nLogs kept in ${cfg.logDir}`);
  }

  banner("Summary");
  console.log(`versions: ${serverVersion()} · ${postgrestVersion()} · ${denoVersion()}`);
  console.log(`stack start: ${upSeconds.toFixed(1)}s`);
  for (const r of results) {
    console.log(`${r.stage.padEnd(12)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(4)} failed  ${r.seconds.toFixed(1)}s`);
  }
  const failures = results.flatMap((r) => (r.failures ?? []).map((f) => `  ✖ ${r.stage}: ${f}`));
  if (failures.length > 0) console.log(`failed:\n${failures.slice(0, 20).join("\n")}${failures.length > 20 ? `\n  … and ${failures.length - 20} more` : ""}`);
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  console.log(`npm test took ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  console.log(`total: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(`\n✖ ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  console.log("total: 0 passed, 1 failed");
  process.exit(1);
});
