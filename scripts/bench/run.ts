/**
 * `npm run bench -- --scale <n>`: speed and memory figures of the hot paths on
 * a generated data set, on a throw-away stack (API port 53321, or
 * TERRAIN_BENCH_PORT_BASE; state in .terrain/bench, or TERRAIN_BENCH_STATE_DIR).
 *
 *   --scale <n>            0.001 … 1, or full (= 1): the data set of
 *                          scripts/bench/dataset.sql at that fraction of full size
 *   --alert-sizes a,b,c    fractions of the scale at which the alert run is
 *                          measured (default 0.1,0.3,1): one database per size,
 *                          generated in turn; the last size is the full scale,
 *                          where every other figure is measured
 *   --reps <n>             repetitions per figure (default 7)
 *   --first-run-timeout s  statement timeout of an alert first run (default 300)
 *   --fec-invoices <n>     size of the generated fiscal year of the fec bench
 *                          (default 10000; `npm run fec:bench` runs 200,000)
 *   --only <a,b>           run only these benches (rls, http, stock, audit, alerts,
 *                          issuing, chain, fec, search, board, health, charts, bundle); without alerts, the smaller alert
 *                          sizes are skipped too (e.g. `--only http` for the
 *                          gateway vs PostgREST figures alone)
 *
 * Every figure is the median and the bad-side p95 of INTERLEAVED repetitions,
 * each repetition of the measured path paired with one of its baseline in
 * the same run (the order alternates), and the ratio of the two medians.
 * It prints a table, writes bench/results/<YYYY-MM-DD-HHMM>-scale<n>.json,
 * compares with the previous results file at the same scale, and writes
 * EXPLAIN (ANALYZE, BUFFERS) of every hot path to bench/results/plans/.
 *
 * It asserts nothing about time: targets are judged by reading the figures.
 * It does check what must hold whatever the speed (gapless numbering after
 * concurrent issuing, the hash chain, stock ledger totals, RLS returning the
 * same rows as the unrestricted query) and prints the verdicts.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import pg from "pg";
import { ROOT, loadConfig, type StackConfig } from "../stack/config.ts";
import { ensureDatabase } from "../stack/db/ensure.ts";
import { clusterState, serverVersion, stopCluster } from "../stack/db/postgres.ts";
import { run, runAsync } from "../stack/proc.ts";
import { bringUp, type RunningStack } from "../stack/stack.ts";
import { exportGeneratedFec, generateYear } from "../accounting/generated-year.ts";
import { bundleReport, formatBundleReport, INITIAL_JS_BUDGET_BYTES, type BundleReport } from "./bundle.ts";
import { startLoadWorker } from "./http-load.ts";
import { measureGroups, peakSampler, type Groups, type Usage } from "./memory.ts";
import { explain, setPlanRunLabel, withNestedPlans, writePlan } from "./plans.ts";
import {
  type Better,
  compareFigures,
  type Figure,
  formatNumber,
  type GenerationStep,
  generationSteps,
  interleaved,
  numberingVerdict,
  parseScale,
  previousResultFile,
  resultFileName,
  scaleTag,
  slowdown,
  summarize,
} from "./stats.ts";

const RESULTS_DIR = join(ROOT, "bench", "results");
const PLANS_DIR = join(RESULTS_DIR, "plans");
const DATASET_SQL = join(ROOT, "scripts", "bench", "dataset.sql");

// ---------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------
interface Options {
  scale: number;
  alertSizes: number[];
  reps: number;
  firstRunTimeoutSeconds: number;
  fecInvoices: number;
  /** Benches to run (all when absent). */
  only?: Set<string>;
}

const BENCHES = ["rls", "http", "stock", "audit", "alerts", "issuing", "chain", "fec", "search", "board", "health", "charts", "bundle"];

function parseOptions(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${name} needs a value`);
    return v;
  };
  const known = new Set(["--scale", "--alert-sizes", "--reps", "--first-run-timeout", "--fec-invoices", "--only"]);
  for (const a of argv) if (a.startsWith("--") && !known.has(a)) throw new Error(`Unknown option ${a} (known: ${[...known].join(", ")})`);
  const scale = parseScale(get("--scale") ?? "0.01");
  const alertSizes = (get("--alert-sizes") ?? "0.1,0.3,1").split(",").map((s) => {
    const f = Number(s);
    if (!(f > 0 && f <= 1)) throw new Error(`--alert-sizes takes fractions in (0, 1] (got ${s})`);
    return f;
  });
  if (!alertSizes.includes(1)) alertSizes.push(1);
  alertSizes.sort((a, b) => a - b);
  const reps = Number(get("--reps") ?? 7);
  if (!(Number.isInteger(reps) && reps >= 3 && reps <= 101)) throw new Error(`--reps must be an integer from 3 to 101`);
  const firstRunTimeoutSeconds = Number(get("--first-run-timeout") ?? 300);
  if (!(firstRunTimeoutSeconds > 0)) throw new Error(`--first-run-timeout must be a number of seconds`);
  const fecInvoices = Number(get("--fec-invoices") ?? 10_000);
  if (!(Number.isInteger(fecInvoices) && fecInvoices >= 100)) throw new Error(`--fec-invoices must be an integer of 100 or more`);
  const onlyArg = get("--only");
  const only = onlyArg === undefined ? undefined : new Set(onlyArg.split(",").map((b) => b.trim()));
  for (const b of only ?? []) if (!BENCHES.includes(b)) throw new Error(`--only takes bench names from ${BENCHES.join(", ")} (got ${b})`);
  return { scale, alertSizes: [...new Set(alertSizes)], reps, firstRunTimeoutSeconds, fecInvoices, ...(only ? { only } : {}) };
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------
const figures: Figure[] = [];
const verdicts: Record<string, { ok: boolean; detail: string }> = {};
const phases: Record<string, number> = {};
const t0Run = performance.now();
const elapsed = () => `${((performance.now() - t0Run) / 1000).toFixed(0)}s`;
const say = (msg: string) => console.log(`[${elapsed()}] ${msg}`);

function addFigure(f: Omit<Figure, "summary" | "baseline" | "ratio"> & { samples: number[]; baseline?: { label: string; samples: number[] } }) {
  const summary = summarize(f.samples, f.better);
  const round = (xs: number[]) => xs.map((x) => Number(x.toPrecision(4)));
  const figure: Figure = { id: f.id, label: f.label, unit: f.unit, better: f.better, summary, samples: round(f.samples), ...(f.note ? { note: f.note } : {}) };
  if (f.baseline) {
    const b = summarize(f.baseline.samples, f.better);
    figure.baseline = { label: f.baseline.label, summary: b, samples: round(f.baseline.samples) };
    figure.ratio = slowdown(f.better, summary.median, b.median);
  }
  figures.push(figure);
  const base = figure.baseline
    ? ` | ${figure.baseline.label}: ${formatNumber(figure.baseline.summary.median)} · ratio ${formatNumber(figure.ratio ?? NaN)}×`
    : "";
  say(`  ${f.label}: median ${formatNumber(summary.median)} ${f.unit} · p95 ${formatNumber(summary.p95)}${base}${f.note ? ` · ${f.note}` : ""}`);
}

function verdict(name: string, ok: boolean, detail: string) {
  verdicts[name] = { ok, detail };
  say(`  ${ok ? "✔" : "✘"} ${name}: ${detail}`);
}

/** A timed part of the run. A bench that fails is reported as a failed verdict and the run goes on. */
async function phase(name: string, fn: () => Promise<void>, { fatal = false } = {}): Promise<void> {
  const t = performance.now();
  try {
    await fn();
  } catch (e) {
    if (fatal) throw e;
    verdict(`${name} completed`, false, e instanceof Error ? e.message : String(e));
  } finally {
    phases[name] = Math.round(performance.now() - t) / 1000;
  }
}

const timeMs = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

// ---------------------------------------------------------------------------
// Data set
// ---------------------------------------------------------------------------
interface DatasetInfo {
  scale: number;
  generationSeconds: number;
  /** Each generator statement's time (psql \timing), in script order. */
  steps: GenerationStep[];
  rows: Record<string, number>;
  databaseBytes: number;
}

const COUNTED_TABLES = [
  "public.organizations", "public.memberships", "public.clients", "public.sites", "public.missions",
  "public.mission_status_history", "public.timesheets", "public.stock_items", "public.stock_movements",
  "public.invoices", "public.invoice_lines", "public.payments", "public.emergency_requests",
  "public.alerts", "public.notifications", "audit.log",
];

/** A bench database: pg_cron's jobs off (the every-minute alert run would race the measurements). */
async function prepareDatabase(db: pg.Client) {
  await db.query("update cron.job set active = false where database = current_database()");
}

async function generate(cfg: StackConfig, scale: number): Promise<DatasetInfo> {
  const file = process.env.TERRAIN_BENCH_DATASET || DATASET_SQL;
  if (!existsSync(file)) throw new Error(`Data-set generator ${file} not found`);
  const url = new URL(cfg.dbUrl);
  say(`Generating the data set at scale ${scaleTag(scale)} (${file.replace(ROOT + "/", "")})`);
  const t = performance.now();
  const r = await runAsync(
    "psql",
    // --echo-queries: each "Time:" line of the script's \timing follows its statement.
    ["-X", "-q", "--echo-queries", "-v", "ON_ERROR_STOP=1", "-v", `scale=${scale}`, "-f", file],
    {
      cwd: ROOT,
      env: { ...process.env, PGHOST: url.hostname, PGPORT: url.port, PGUSER: "postgres", PGPASSWORD: "postgres", PGDATABASE: "postgres" },
    },
  );
  if (r.code !== 0) throw new Error(`Data-set generation failed:\n${(r.stderr || r.stdout).split("\n").slice(-30).join("\n")}`);
  const generationSeconds = (performance.now() - t) / 1000;
  // The generator ends with VACUUM ANALYZE of what it loaded: statistics and a
  // visibility map, as a database that has been running a while has.
  const summary = (r.stdout + r.stderr).trim().split("\n").filter((l) => !/^Time: /.test(l)).slice(-12);
  for (const l of summary) say(`  | ${l}`);
  const steps = generationSteps(r.stdout);
  const slowest = [...steps].sort((a, b) => b.ms - a.ms).slice(0, 5);
  say(`  slowest steps: ${slowest.map((x) => `${(x.ms / 1000).toFixed(1)} s ${x.statement.slice(0, 60)}`).join(" · ")}`);
  const db = new pg.Client({ connectionString: cfg.dbUrl });
  await db.connect();
  try {
    const rows: Record<string, number> = {};
    for (const t of COUNTED_TABLES) {
      const { rows: c } = await db.query<{ n: string }>(`select count(*) as n from ${t}`);
      rows[t] = Number(c[0]!.n);
    }
    const { rows: s } = await db.query<{ b: string }>("select pg_database_size(current_database()) as b");
    const info = { scale, generationSeconds, steps, rows, databaseBytes: Number(s[0]!.b) };
    say(
      `  generated in ${generationSeconds.toFixed(1)} s; ` +
        `database ${(info.databaseBytes / 2 ** 20).toFixed(0)} MiB; ` +
        Object.entries(rows).filter(([, n]) => n > 0).map(([t, n]) => `${t.replace("public.", "")} ${n.toLocaleString("en-US")}`).join(", "),
    );
    return info;
  } finally {
    await db.end();
  }
}

// ---------------------------------------------------------------------------
// Who the figures are measured as
// ---------------------------------------------------------------------------
interface Actors {
  orgId: string;
  technicianId: string;
  technicianMissionId: string;
  adminId?: string;
  accountantId?: string;
  dispatcherId?: string;
  /** The organization's client with the most missions (the board's client filter). */
  busiestClientId?: string;
}

async function findActors(db: pg.Client): Promise<Actors> {
  const one = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows[0];
  const org = await one<{ org_id: string }>(`select org_id from public.missions group by org_id order by count(*) desc limit 1`);
  if (!org) throw new Error("The data set has no missions");
  const tech = await one<{ technician_id: string; id: string }>(
    `select m.technician_id, (array_agg(m.id order by m.scheduled_start desc nulls last))[1] as id
     from public.missions m
     where m.org_id = $1 and m.status in ('assigned', 'in_progress', 'blocked') and m.technician_id is not null
     group by m.technician_id order by count(*) desc limit 1`,
    [org.org_id],
  );
  if (!tech) throw new Error("The data set has no technician with an open mission");
  const admin = await one<{ user_id: string }>(
    `select user_id from public.memberships where org_id = $1 and role in ('admin', 'owner') order by (role = 'admin') desc limit 1`,
    [org.org_id],
  );
  const accountant = await one<{ user_id: string }>(
    `select user_id from public.memberships where org_id = $1 and role = 'accountant' limit 1`,
    [org.org_id],
  );
  const dispatcher = await one<{ user_id: string }>(
    `select user_id from public.memberships where org_id = $1 and role = 'dispatcher' order by user_id limit 1`,
    [org.org_id],
  );
  const client = await one<{ client_id: string }>(
    `select client_id from public.missions where org_id = $1 group by client_id order by count(*) desc, client_id limit 1`,
    [org.org_id],
  );
  return {
    orgId: org.org_id,
    technicianId: tech.technician_id,
    technicianMissionId: tech.id,
    ...(admin ? { adminId: admin.user_id } : {}),
    ...(accountant ? { accountantId: accountant.user_id } : {}),
    ...(dispatcher ? { dispatcherId: dispatcher.user_id } : {}),
    ...(client ? { busiestClientId: client.client_id } : {}),
  };
}

const claimsOf = (userId: string) => JSON.stringify({ sub: userId, role: "authenticated", aud: "authenticated" });

// ---------------------------------------------------------------------------
// RLS vs the unrestricted query
// ---------------------------------------------------------------------------
async function rlsBenches(db: pg.Client, a: Actors, reps: number) {
  say("RLS: the same rows as the user (policies) and as postgres (explicit filter, no RLS)");
  const OPEN = `('new', 'published', 'assigned', 'in_progress', 'blocked')`;
  const cases: { id: string; label: string; user?: string; roles: string; rls: string; base: string }[] = [
    {
      id: "rls.technician_my_missions",
      label: "technician: my missions (open)",
      user: a.technicianId,
      roles: "{technician}",
      rls: `select m.id, m.title, m.status, m.scheduled_start, m.site_id from public.missions m
            where m.technician_id = $1 and m.status in ('assigned', 'in_progress', 'blocked')
            order by m.scheduled_start, m.id`,
      base: `select m.id, m.title, m.status, m.scheduled_start, m.site_id from public.missions m
             where m.technician_id = $1 and m.status in ('assigned', 'in_progress', 'blocked')
               and m.org_id = any ($2::uuid[])
             order by m.scheduled_start, m.id`,
    },
    {
      id: "rls.admin_open_missions",
      label: "admin: open missions of my org",
      ...(a.adminId ? { user: a.adminId } : {}),
      roles: "{owner,admin}",
      rls: `select m.id, m.title, m.status, m.scheduled_start, m.technician_id from public.missions m
            where m.status in ${OPEN} and $1::uuid is not null
            order by m.scheduled_start, m.id`,
      base: `select m.id, m.title, m.status, m.scheduled_start, m.technician_id from public.missions m
             where m.status in ${OPEN} and $1::uuid is not null and m.org_id = any ($2::uuid[])
             order by m.scheduled_start, m.id`,
    },
    // The back office's missions board (web/src/office/dispatch/board.ts): one
    // page of 25 (+1 to know whether more follow) of the dispatcher's
    // organization by scheduled date, with the filters people use; the same SQL
    // PostgREST runs for it, minus the embedded client and site names.
    ...boardCases(a, OPEN),
    {
      id: "rls.accountant_unpaid_invoices",
      label: "accountant: unpaid invoices",
      ...(a.accountantId ? { user: a.accountantId } : {}),
      roles: "{accountant}",
      rls: `select i.id, i.number, i.client_id, i.due_date, i.total_ttc_cents, i.status from public.invoices i
            where i.kind = 'invoice' and i.status in ('sent', 'partially_paid') and $1::uuid is not null
            order by i.due_date, i.id`,
      base: `select i.id, i.number, i.client_id, i.due_date, i.total_ttc_cents, i.status from public.invoices i
             where i.kind = 'invoice' and i.status in ('sent', 'partially_paid') and $1::uuid is not null
               and i.org_id = any ($2::uuid[])
             order by i.due_date, i.id`,
    },
  ];
  for (const c of cases) {
    if (!c.user) {
      verdict(`${c.id} measured`, false, "no such user in the data set");
      continue;
    }
    const user = c.user;
    const { rows: o } = await db.query<{ orgs: string[] }>(
      `select coalesce(array_agg(org_id), '{}') as orgs from public.memberships where user_id = $1 and role = any ($2::public.member_role[])`,
      [user, c.roles],
    );
    const orgs = o[0]!.orgs;
    let rlsIds = "";
    let baseIds = "";
    let rowCount = 0;
    const asUser = <T>(fn: () => Promise<T>): Promise<T> => asSignedIn(db, user, fn);
    const viaRls = () =>
      asUser(async () => {
        const t = performance.now();
        const r = await db.query(c.rls, [user]);
        const ms = performance.now() - t;
        rlsIds = r.rows.map((x) => x.id).join(",");
        rowCount = r.rowCount ?? 0;
        return ms;
      });
    const unrestricted = async () => {
      await db.query("begin");
      try {
        const t = performance.now();
        const r = await db.query(c.base, [user, orgs]);
        const ms = performance.now() - t;
        baseIds = r.rows.map((x) => x.id).join(",");
        return ms;
      } finally {
        await db.query("rollback");
      }
    };
    await viaRls();
    await unrestricted(); // warm-up, not counted
    const s = await interleaved(reps, { rls: viaRls, base: unrestricted });
    addFigure({
      id: c.id,
      label: `RLS ${c.label}`,
      unit: "ms",
      better: "lower",
      samples: s.rls,
      baseline: { label: "unrestricted", samples: s.base },
      note: `${rowCount} rows`,
    });
    verdict(`${c.id} same rows`, rlsIds === baseIds, rlsIds === baseIds ? `${rowCount} rows, identical` : "RLS and unrestricted results differ");
    const planRls = await asUser(() => explain(db, c.rls, [user]));
    await db.query("begin");
    const planBase = await explain(db, c.base, [user, orgs]).finally(() => db.query("rollback"));
    writePlan(
      PLANS_DIR,
      c.id.replace(".", "-"),
      `${c.label}\nAs the user (role authenticated, sub ${user}), then as postgres without RLS.`,
      `── with RLS ──\n${c.rls}\n\n${planRls}\n\n── unrestricted ──\n${c.base}\n\n${planBase}`,
    );
  }
}

/** The missions board's queries as a dispatcher (RLS on) and unrestricted, one per filter people use. */
function boardCases(a: Actors, open: string): { id: string; label: string; user?: string; roles: string; rls: string; base: string }[] {
  const columns = "m.id, m.title, m.status, m.priority, m.scheduled_start, m.technician_id, m.client_id, m.site_id";
  const page = "order by m.scheduled_start, m.id limit 26";
  const filters: { id: string; label: string; where: string }[] = [
    { id: "open", label: "open missions (default view)", where: `m.status in ${open}` },
    {
      id: "technician_week",
      label: "one technician, all statuses, one week",
      where: `m.technician_id = '${a.technicianId}' and m.scheduled_start >= now() - interval '7 days' and m.scheduled_start < now()`,
    },
    { id: "client", label: "one client, all statuses", where: `m.client_id = '${a.busiestClientId ?? a.orgId}'` },
    { id: "status_published", label: "published only", where: `m.status = 'published'` },
    { id: "all", label: "all statuses, first page", where: "true" },
    {
      id: "next_page",
      label: "all statuses, next page after a cursor a year back",
      // The cursor as the board writes it: scheduled_start >= x and (scheduled_start > x or id > y).
      where: `m.scheduled_start >= date_trunc('day', now()) - interval '365 days'
              and (m.scheduled_start > date_trunc('day', now()) - interval '365 days' or m.id > '00000000-0000-0000-0000-000000000000')`,
    },
  ];
  return filters.map((f) => ({
    id: `rls.dispatcher_board_${f.id}`,
    label: `dispatcher board: ${f.label}`,
    ...(a.dispatcherId ? { user: a.dispatcherId } : {}),
    roles: "{dispatcher}",
    rls: `select ${columns} from public.missions m
          where m.org_id = '${a.orgId}' and ${f.where} and $1::uuid is not null
          ${page}`,
    base: `select ${columns} from public.missions m
           where m.org_id = '${a.orgId}' and ${f.where} and $1::uuid is not null and m.org_id = any ($2::uuid[])
           ${page}`,
  }));
}

// ---------------------------------------------------------------------------
// HTTP: gateway vs PostgREST directly
// ---------------------------------------------------------------------------
async function httpBenches(stack: RunningStack, db: pg.Client, a: Actors, reps: number) {
  say("HTTP: through the gateway vs PostgREST directly (16 keep-alive clients, 1 s bursts)");
  // The bench user must not hit the API rate limit (the limiter still runs: its cost is the gateway's).
  await db.query(
    `insert into private.rate_limit_overrides (key, bucket, max_hits, reason) values ('user:' || $1, '*', 2000000000, 'npm run bench')
     on conflict (key, bucket) do update set max_hits = excluded.max_hits`,
    [a.technicianId],
  );
  const jwt = await new SignJWT({ sub: a.technicianId, role: "authenticated", aud: "authenticated" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(new TextEncoder().encode(stack.cfg.jwtSecret));
  const headers = { apikey: stack.keys.anonKey, authorization: `Bearer ${jwt}`, accept: "application/json" };
  const paths = {
    one_row: `/missions?select=id,title,status&id=eq.${a.technicianMissionId}`,
    page_100: `/missions?select=id,title,status,scheduled_start,site_id&technician_id=eq.${a.technicianId}&order=scheduled_start.desc,id&limit=100`,
  };
  const worker = startLoadWorker();
  try {
    for (const [name, path] of Object.entries(paths)) {
      const errors: string[] = [];
      const viaGateway = async () => {
        const b = await worker.burst(`gateway-${name}`, `${stack.cfg.apiUrl}/rest/v1${path}`, headers);
        if (b.errors) errors.push(`gateway: ${b.errors} errors (${b.firstError})`);
        return b.rps;
      };
      const direct = async () => {
        const b = await worker.burst(`direct-${name}`, `http://127.0.0.1:${stack.cfg.ports.rest}${path}`, headers);
        if (b.errors) errors.push(`direct: ${b.errors} errors (${b.firstError})`);
        return b.rps;
      };
      await viaGateway();
      await direct(); // warm-up (connections, PostgREST's schema cache, plans), not counted
      errors.length = 0;
      const s = await interleaved(reps, { gateway: viaGateway, direct });
      addFigure({
        id: `http.${name}`,
        label: `HTTP GET ${name === "one_row" ? "1 row" : "page of 100"} via gateway`,
        unit: "req/s",
        better: "higher",
        samples: s.gateway,
        baseline: { label: "PostgREST direct", samples: s.direct },
        ...(errors.length ? { note: errors.slice(0, 2).join("; ") } : {}),
      });
      verdict(`http.${name} no errors`, errors.length === 0, errors.length ? errors[0]! : "every answer 200");
    }
  } finally {
    worker.close();
  }
}

// ---------------------------------------------------------------------------
// Stock: 16 writers on one item
// ---------------------------------------------------------------------------
async function stockBench(cfg: StackConfig, db: pg.Client, a: Actors, reps: number) {
  say("Stock: record_stock_use by 16 concurrent writers on one item vs a plain insert without guard");
  const tag = Date.now().toString(36);
  const { rows: it } = await db.query<{ id: string }>(
    `insert into public.stock_items (org_id, sku, name, unit, min_stock, cost_cents, price_cents, vat_rate)
     values ($1, 'BENCH-' || $2, 'Bench item', 'u', 0, 100, 200, 20) returning id`,
    [a.orgId, tag],
  );
  const item = it[0]!.id;
  const INITIAL = 1_000_000_000;
  await db.query(
    `insert into public.stock_movements (org_id, item_id, kind, quantity, reason, idempotency_key) values ($1, $2, 'in', $3, 'bench stock', 'bench-in-' || $4)`,
    [a.orgId, item, INITIAL, tag],
  );
  await db.query(`create schema if not exists bench`);
  await db.query(`drop table if exists bench.plain_movements`);
  // Same columns, no trigger, no constraint, no index: the cost floor of writing a movement row.
  await db.query(`create table bench.plain_movements (like public.stock_movements including defaults including generated)`);
  const claims = claimsOf(a.technicianId).replaceAll("'", "''");
  const pool = new pg.Pool({ connectionString: cfg.dbUrl, max: 16 });
  let n = 0;
  const OPS = 320;
  const runBurst = async (op: (client: pg.PoolClient, i: number) => Promise<void>) => {
    let next = 0;
    const t = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        const client = await pool.connect();
        try {
          while (next < OPS) {
            next++;
            await op(client, ++n);
          }
        } finally {
          client.release();
        }
      }),
    );
    return OPS / ((performance.now() - t) / 1000);
  };
  // One round trip per call, as PostgREST makes it: a transaction as the technician.
  const recordUse = (client: pg.PoolClient, i: number) =>
    client
      .query(
        `begin; set local role authenticated; select set_config('request.jwt.claims', '${claims}', true);
         select public.record_stock_use('${item}', 1, '${a.technicianMissionId}', 'bench-${tag}-${i}'); commit;`,
      )
      .then(
        () => undefined,
        async (e) => {
          await client.query("rollback");
          throw e;
        },
      );
  const plainInsert = (client: pg.PoolClient, i: number) =>
    client
      .query(
        `insert into bench.plain_movements (org_id, item_id, kind, quantity, mission_id, idempotency_key) values ($1, $2, 'out', 1, $3, $4)`,
        [a.orgId, item, a.technicianMissionId, `bench-${tag}-${i}`],
      )
      .then(() => undefined);
  try {
    await runBurst(recordUse);
    await runBurst(plainInsert);
    const s = await interleaved(reps, { guarded: () => runBurst(recordUse), plain: () => runBurst(plainInsert) });
    addFigure({
      id: "stock.record_use_16_writers_one_item",
      label: "stock record_stock_use, 16 writers, 1 item",
      unit: "ops/s",
      better: "higher",
      samples: s.guarded,
      baseline: { label: "plain insert, no guard", samples: s.plain },
    });
    const { rows: chk } = await db.query<{ on_hand: string; movement_count: string; n: string; sum: string; max_seq: string }>(
      `select i.on_hand, i.movement_count, count(m.*) as n, sum(m.delta) as sum, max(m.item_seq) as max_seq
       from public.stock_items i join public.stock_movements m on m.org_id = i.org_id and m.item_id = i.id
       where i.id = $1 group by i.on_hand, i.movement_count`,
      [item],
    );
    const c = chk[0]!;
    const outs = (reps + 1) * OPS;
    const ok = Number(c.on_hand) === INITIAL - outs && Number(c.sum) === Number(c.on_hand) && Number(c.n) === outs + 1 &&
      Number(c.max_seq) === Number(c.n) && Number(c.movement_count) === Number(c.n);
    verdict("stock ledger consistent", ok, `${c.n} movements, on_hand ${c.on_hand} = sum(delta) ${c.sum}, item_seq 1..${c.max_seq}`);
    // The path's plans: one more call, as the technician, rolled back.
    await db.query("begin");
    const plans = await withNestedPlans(db, async () => {
      await db.query("set local role authenticated");
      await db.query(`select set_config('request.jwt.claims', $1, true)`, [claimsOf(a.technicianId)]);
      await db.query(`select public.record_stock_use($1, 1, $2, $3)`, [item, a.technicianMissionId, `bench-${tag}-plan`]);
    }).finally(() => db.query("rollback"));
    writePlan(PLANS_DIR, "stock-record_stock_use", "record_stock_use(item, 1, mission, key) as the assigned technician", plans);
  } finally {
    await pool.end();
  }
}

// ---------------------------------------------------------------------------
// Audit trigger overhead
// ---------------------------------------------------------------------------
async function auditBench(db: pg.Client, a: Actors, reps: number) {
  say("Audit: an update of 100 missions with the audit trigger vs the same update with it disabled");
  const { rows } = await db.query<{ id: string }>(
    `select id from public.missions where org_id = $1 and status in ('new', 'published', 'assigned') order by id limit 100`,
    [a.orgId],
  );
  const ids = rows.map((r) => r.id);
  const UPDATE = `update public.missions set description = $2 where id = any ($1::uuid[])`;
  // Both sides take the same lock and invalidate the same cache (ALTER TABLE),
  // both roll back: only the trigger differs.
  const variant = (mode: "enable" | "disable") => async () => {
    await db.query("begin");
    try {
      await db.query(`alter table public.missions ${mode} trigger audit_record_updates`);
      return await timeMs(() => db.query(UPDATE, [ids, `bench ${mode} ${Math.random()}`]));
    } finally {
      await db.query("rollback");
    }
  };
  await variant("enable")();
  await variant("disable")();
  const s = await interleaved(reps, { audited: variant("enable"), unaudited: variant("disable") });
  addFigure({
    id: "audit.update_100_missions",
    label: "audited update of 100 missions",
    unit: "ms",
    better: "lower",
    samples: s.audited,
    baseline: { label: "audit trigger disabled", samples: s.unaudited },
    note: `${ids.length} rows`,
  });
  await db.query("begin");
  const plans = await withNestedPlans(db, async () => {
    await db.query(UPDATE, [ids, "bench plan"]);
  }).finally(() => db.query("rollback"));
  writePlan(PLANS_DIR, "audit-update_100_missions", "update of 100 missions (description) with the audit trigger, rolled back", plans);
}

// ---------------------------------------------------------------------------
// Alert engine
// ---------------------------------------------------------------------------
const ALERT_VIEWS = [
  "public.alert_emergencies_pending", "public.alert_invoices_overdue", "public.alert_stock_critical",
  "public.alert_missions_blocked", "public.alert_timesheets_unapproved",
];

async function alertBench(db: pg.Client, fraction: number, scale: number, reps: number, o: { firstRunPlans: boolean; timeoutSeconds: number }) {
  const at = `${scaleTag(fraction)} of scale (${scaleTag(scale * fraction)})`;
  say(`Alerts at ${at}: run_all_alert_checks() first run, then steady runs vs reading the five alert views`);
  const RUN = "select public.run_all_alert_checks() as r";
  const size = scaleTag(fraction);
  await db.query(`set statement_timeout = ${Math.round(o.timeoutSeconds * 1000)}`);
  try {
    if (o.firstRunPlans) {
      await db.query("begin");
      try {
        const plans = await withNestedPlans(db, async () => void (await db.query(RUN)));
        writePlan(PLANS_DIR, `alerts-first_run-at${size}`, `run_all_alert_checks(), first run at ${at}, rolled back`, plans);
      } catch (e) {
        say(`  first-run plans not captured: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        await db.query("rollback");
      }
    }
    let first: Record<string, unknown> = {};
    let firstMs = NaN;
    try {
      const t = performance.now();
      first = (await db.query(RUN)).rows[0]!.r;
      firstMs = performance.now() - t;
    } catch (e) {
      first = { error: e instanceof Error ? e.message : String(e) };
    }
    addFigure({
      id: `alerts.first_run@${size}`,
      label: `alert run, first, at ${at}`,
      unit: "ms",
      better: "lower",
      samples: [firstMs],
      note: JSON.stringify(first),
    });
    if (!Number.isFinite(firstMs)) {
      // Steady runs would each be a first run again (nothing was committed): skip them.
      verdict(`alerts.first_run@${size} completed`, false, `${String(first.error)} (statement_timeout ${o.timeoutSeconds} s); steady runs skipped`);
      return;
    }
    // A run notifies at most a batch of alerts per check (terrain.alert_notify_batch): a first
    // run's backlog drains over the next runs, each bounded. Drained here, timed, before the
    // steady runs (which then measure a minute with nothing new to send).
    const drain: number[] = [];
    const MAX_DRAIN_RUNS = 200;
    for (let i = 0; i < MAX_DRAIN_RUNS; i++) {
      let r: Record<string, number> = {};
      const ms = await timeMs(async () => (r = (await db.query(RUN)).rows[0]!.r));
      if (!r.notified && !r.escalated) break;
      drain.push(ms);
    }
    if (drain.length) {
      addFigure({
        id: `alerts.backlog_run@${size}`,
        label: `alert run, draining the first run's backlog, at ${at}`,
        unit: "ms",
        better: "lower",
        samples: drain,
        note: `${drain.length} runs after the first one`,
      });
    }
    const { rows: left } = await db.query<{ n: string }>(
      "select count(*) as n from public.alerts where status = 'firing' and notify_count = 0 and (silenced_until is null or silenced_until <= now())",
    );
    verdict(`alerts.backlog_drained@${size}`, Number(left[0]!.n) === 0,
      `${left[0]!.n} firing alerts never notified after ${drain.length + 1} runs`);
    const views = `select ${ALERT_VIEWS.map((v) => `(select count(*) from ${v})`).join(" + ")} as n`;
    let last: Record<string, unknown> = {};
    const s = await interleaved(reps, {
      run: () => timeMs(async () => (last = (await db.query(RUN)).rows[0]!.r)),
      views: () => timeMs(() => db.query(views)),
    });
    const { rows: n } = await db.query<{ n: string }>(views);
    addFigure({
      id: `alerts.steady_run@${size}`,
      label: `alert run, steady, at ${at}`,
      unit: "ms",
      better: "lower",
      samples: s.run,
      baseline: { label: "read the 5 alert views", samples: s.views },
      note: `${n[0]!.n} view rows; last run ${JSON.stringify(last)}`,
    });
    if (fraction === 1) {
      await db.query("begin");
      const plans = await withNestedPlans(db, async () => void (await db.query(RUN))).finally(() => db.query("rollback"));
      writePlan(PLANS_DIR, "alerts-steady_run", `run_all_alert_checks(), steady run at ${at}, rolled back`, plans);
    }
  } finally {
    await db.query("reset statement_timeout");
  }
}

// ---------------------------------------------------------------------------
// Invoice issuing and the chain
// ---------------------------------------------------------------------------
async function issuingBench(cfg: StackConfig, db: pg.Client, a: Actors, reps: number) {
  say("Invoices: 16-way concurrent issue_invoice in one organization vs one at a time");
  const { rows: cl } = await db.query<{ client_id: string }>(
    `select client_id from public.invoices where org_id = $1 and status <> 'draft' and kind = 'invoice' order by issued_at desc limit 1`,
    [a.orgId],
  );
  const clientId = cl[0]?.client_id;
  if (!clientId) {
    verdict("issuing measured", false, "no issued invoice (hence no client with complete legal mentions) in the organization");
    return;
  }
  const CONCURRENT = 64;
  const SERIAL = 16;
  const need = (reps + 1) * (CONCURRENT + SERIAL);
  const { rows: d } = await db.query<{ id: string }>(
    `insert into public.invoices (org_id, client_id, kind, service_date)
     select $1, $2, 'invoice', current_date from generate_series(1, $3) returning id`,
    [a.orgId, clientId, need + 1],
  );
  const drafts = d.map((r) => r.id);
  await db.query(
    `insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_cents, vat_rate)
     select $1, d.id, p, 'Intervention ' || p, 1.5, 6500, 10 from unnest($2::uuid[]) d(id), generate_series(1, 2) p`,
    [a.orgId, drafts],
  );
  const planDraft = drafts.pop()!;
  const pool = new pg.Pool({ connectionString: cfg.dbUrl, max: 16 });
  const issue = (id: string) => pool.query(`select public.issue_invoice($1)`, [id]).then(() => undefined);
  const issueMany = async (count: number, workers: number) => {
    const batch = drafts.splice(0, count);
    const t = performance.now();
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let id = batch.shift(); id; id = batch.shift()) await issue(id);
      }),
    );
    return count / ((performance.now() - t) / 1000);
  };
  try {
    await issueMany(CONCURRENT, 16);
    await issueMany(SERIAL, 1);
    const s = await interleaved(reps, { concurrent: () => issueMany(CONCURRENT, 16), serial: () => issueMany(SERIAL, 1) });
    addFigure({
      id: "invoices.issue_16_way",
      label: "issue_invoice, 16 concurrent, one org",
      unit: "inv/s",
      better: "higher",
      samples: s.concurrent,
      baseline: { label: "one at a time", samples: s.serial },
    });
  } finally {
    await pool.end();
  }
  const { rows: docs } = await db.query<{ series: string; fiscal_year: number; sequence: number }>(
    `select series, fiscal_year, sequence from public.invoices where org_id = $1 and sequence is not null`,
    [a.orgId],
  );
  const v = numberingVerdict(docs);
  verdict(
    "invoice numbering gapless and unique",
    v.ok,
    v.ok ? `${v.documents} documents of the organization, every series and year numbered 1..n` : [...v.gaps, ...v.duplicates].slice(0, 5).join("; "),
  );
  await db.query("begin");
  const plans = await withNestedPlans(db, async () => void (await db.query(`select public.issue_invoice($1)`, [planDraft]))).finally(() =>
    db.query("rollback"),
  );
  writePlan(PLANS_DIR, "invoices-issue_invoice", "issue_invoice(draft with 2 lines) as the system actor, rolled back", plans);
}

async function chainBench(db: pg.Client, a: Actors, reps: number) {
  say("Invoices: verify_invoice_chain per 1,000 invoices vs reading the same rows in chain order");
  const { rows: c } = await db.query<{ n: string }>(
    `select count(*) as n from public.invoices where org_id = $1 and chain_position is not null`,
    [a.orgId],
  );
  const n = Number(c[0]!.n);
  if (n === 0) return;
  let result: Record<string, unknown> = {};
  const per1000 = (ms: number) => ms / (n / 1000);
  const verify = async () => per1000(await timeMs(async () => (result = (await db.query(`select * from public.verify_invoice_chain($1)`, [a.orgId])).rows[0]!)));
  const read = async () =>
    per1000(
      await timeMs(() =>
        db.query(
          `select count(*), max(s.row_hash) from (select * from public.invoices i where i.org_id = $1 and i.chain_position is not null order by i.chain_position) s`,
          [a.orgId],
        ),
      ),
    );
  await verify();
  const s = await interleaved(reps, { verify, read });
  addFigure({
    id: "invoices.verify_chain_per_1000",
    label: "verify_invoice_chain per 1,000 invoices",
    unit: "ms",
    better: "lower",
    samples: s.verify,
    baseline: { label: "read the rows in chain order", samples: s.read },
    note: `chain of ${n} documents`,
  });
  verdict("invoice hash chain valid", result.ok === true, JSON.stringify(result));
  const plans = await withNestedPlans(db, async () => void (await db.query(`select * from public.verify_invoice_chain($1)`, [a.orgId])));
  writePlan(PLANS_DIR, "invoices-verify_invoice_chain", `verify_invoice_chain(org) over ${n} documents`, plans);
}

// ---------------------------------------------------------------------------
// Global search and chart data (the back office's Ctrl+K and its charts)
// ---------------------------------------------------------------------------
/** `fn` as a signed-in user (role authenticated + the user's claims), in a transaction rolled back after. */
async function asSignedIn<T>(db: pg.Client, userId: string, fn: () => Promise<T>): Promise<T> {
  await db.query("begin");
  try {
    await db.query("set local role authenticated");
    await db.query("select set_config('request.jwt.claims', $1, true)", [claimsOf(userId)]);
    return await fn();
  } finally {
    await db.query("rollback");
  }
}

/** The plans of `sql` and of the statements it runs, as a signed-in user (auto_explain is loaded as postgres first). */
async function nestedPlansAs(db: pg.Client, userId: string, sql: string, params: unknown[]): Promise<string> {
  await db.query("begin");
  return withNestedPlans(db, async () => {
    await db.query("set local role authenticated");
    await db.query("select set_config('request.jwt.claims', $1, true)", [claimsOf(userId)]);
    await db.query(sql, params);
  }).finally(() => db.query("rollback"));
}

/** `fn` as postgres (no RLS) in a transaction rolled back after. */
async function asPostgres<T>(db: pg.Client, fn: () => Promise<T>): Promise<T> {
  await db.query("begin");
  try {
    return await fn();
  } finally {
    await db.query("rollback");
  }
}

async function searchBench(db: pg.Client, a: Actors, reps: number) {
  say("Global search: public.search as the admin (RLS on) vs the same call as postgres (no RLS)");
  if (!a.adminId) {
    verdict("search measured", false, "no admin in the data set");
    return;
  }
  const admin = a.adminId;
  const { rows: names } = await db.query<{ client: string; mission: string; mission_id: string }>(
    `select (select name from public.clients where org_id = $1 order by name offset 42 limit 1) as client,
            m.title as mission, m.id as mission_id
     from (select title, id from public.missions where org_id = $1 order by scheduled_start desc offset 420 limit 1) m`,
    [a.orgId],
  );
  const clientWords = names[0]!.client.split(" ").slice(0, 2).join(" "); // e.g. "Client 42"
  const missionWords = names[0]!.mission.split(" ").slice(0, 2).join(" "); // e.g. "Mission 4242"
  // One letter swapped in the middle of the client's name: full text cannot match it, trigrams must.
  const typo = clientWords.slice(0, 2) + clientWords[3] + clientWords[2] + clientWords.slice(4);
  // The mission title's last word (one of the organization's 3,000, in ~3 titles) with a letter
  // dropped: corrected through the organization's word list (private.search_words).
  const titleWord = names[0]!.mission.split(" ").at(-1)!;
  const titleTypo = titleWord.slice(0, 4) + titleWord.slice(5);
  const cases = [
    { id: "client_name", label: "a client's name", query: clientWords },
    { id: "mission_title", label: "a mission title", query: missionWords },
    { id: "common_word", label: "a word in every mission title", query: missionWords.split(" ")[0]!.toLowerCase() },
    { id: "typo", label: "a client's name with a typo", query: typo },
    { id: "mission_title_typo", label: "a mission title with a typo", query: titleTypo, mustFind: `mission:${names[0]!.mission_id}` },
    { id: "prefix2", label: "a 2-letter prefix", query: clientWords.slice(0, 2) },
  ];
  const SQL = "select kind, id, rank from public.search($1, $2, 20)";
  for (const c of cases) {
    let rlsRows = "";
    let baseRows = "";
    const viaRls = () =>
      asSignedIn(db, admin, async () => {
        const t = performance.now();
        const r = await db.query(SQL, [a.orgId, c.query]);
        const ms = performance.now() - t;
        rlsRows = r.rows.map((x) => `${x.kind}:${x.id}`).join(",");
        return ms;
      });
    const unrestricted = () =>
      asPostgres(db, async () => {
        const t = performance.now();
        const r = await db.query(SQL, [a.orgId, c.query]);
        const ms = performance.now() - t;
        baseRows = r.rows.map((x) => `${x.kind}:${x.id}`).join(",");
        return ms;
      });
    await viaRls(); // warm-up, not counted
    await unrestricted();
    const s = await interleaved(reps, { rls: viaRls, base: unrestricted });
    const found = rlsRows ? rlsRows.split(",").length : 0;
    addFigure({
      id: `search.${c.id}`,
      label: `search: ${c.label} ("${c.query}")`,
      unit: "ms",
      better: "lower",
      samples: s.rls,
      baseline: { label: "as postgres, no RLS", samples: s.base },
      note: `${found} rows`,
    });
    verdict(`search.${c.id} finds rows`, found > 0, `${found} rows for "${c.query}"`);
    if (c.mustFind) verdict(`search.${c.id} finds ${c.mustFind}`, rlsRows.split(",").includes(c.mustFind), `"${c.query}"`);
    verdict(`search.${c.id} same rows as without RLS`, rlsRows === baseRows, rlsRows === baseRows ? "identical" : "the admin's search differs from postgres'");
    const plans = await nestedPlansAs(db, admin, SQL, [a.orgId, c.query]);
    writePlan(PLANS_DIR, `search-${c.id}`, `public.search(org, '${c.query}', 20) as the admin (role authenticated, RLS on)`, plans);
  }
  await searchWordsWriteCost(db, a, Math.max(reps, 40));
}

/**
 * What keeping the search's word list of mission titles (private.search_words,
 * statement triggers on public.missions) adds to one mission write: an insert,
 * a retitle, and an update of another column (the update trigger fires on every
 * update), each in its own transaction, rolled back; with the word-list
 * triggers vs with them disabled. Both variants run one DDL first (disabling the
 * word-list triggers, or only the truncate one, which no write fires) and one
 * unmeasured write of the same kind, so the measured write never pays the
 * catalog reload the DDL causes.
 */
async function searchWordsWriteCost(db: pg.Client, a: Actors, reps: number) {
  say("Mission writes: with vs without the search word-list triggers");
  const { rows } = await db.query<{ id: string; client_id: string; site_id: string; words: string[] }>(
    `select m.id, m.client_id, m.site_id,
            array(select sw.word from private.search_words sw where sw.org_id = m.org_id and sw.word like '_________' order by sw.word limit 2) as words
     from public.missions m where m.org_id = $1 order by m.scheduled_start desc offset 100 limit 2`,
    [a.orgId],
  );
  if (rows.length < 2 || rows[0]!.words.length < 2) {
    verdict("search word-list write cost measured", false, "not enough missions or title words in the data set");
    return;
  }
  const [warm, measured] = rows as [(typeof rows)[0], (typeof rows)[0]];
  const [wordA, wordB] = measured.words as [string, string];
  const writes = [
    { id: "insert", label: "insert a mission", sql: (m: typeof warm) => ({
        text: "insert into public.missions (org_id, client_id, site_id, title, scheduled_start) values ($1, $2, $3, $4, now())",
        values: [a.orgId, m.client_id, m.site_id, `Intervention ${wordA} ${m.id.slice(0, 4)}`] }) },
    { id: "retitle", label: "retitle a mission", sql: (m: typeof warm) => ({
        text: "update public.missions set title = $2 where id = $1",
        values: [m.id, `Mission retitled ${wordB}`] }) },
    { id: "other_column", label: "update a mission's priority (title unchanged)", sql: (m: typeof warm) => ({
        text: "update public.missions set priority = 'high' where id = $1", values: [m.id] }) },
  ];
  const WORD_TRIGGERS = ["missions_search_words_insert", "missions_search_words_update", "missions_search_words_delete"];
  for (const w of writes) {
    const once = (disable: string[]) => async () => {
      await db.query("begin");
      try {
        for (const t of disable) await db.query(`alter table public.missions disable trigger ${t}`);
        await db.query(w.sql(warm));
        const t0 = performance.now();
        await db.query(w.sql(measured));
        return performance.now() - t0;
      } finally {
        await db.query("rollback");
      }
    };
    const on = once(["missions_search_words_truncate"]);
    const off = once(WORD_TRIGGERS);
    await on(); // warm-up, not counted
    await off();
    const s = await interleaved(reps, { on, off });
    addFigure({
      id: `search_words.${w.id}`,
      label: `mission write: ${w.label}, with the search word-list triggers`,
      unit: "ms",
      better: "lower",
      samples: s.on,
      baseline: { label: "word-list triggers disabled", samples: s.off },
    });
  }
}

/**
 * The back office's missions board (web/src/office/dispatch/board.ts) as a
 * dispatcher: the SQL PostgREST runs for its request (the embedded client and
 * site names as lateral joins on the (org_id, id) foreign keys), for the
 * default view (open missions), its next page (the keyset cursor the board
 * writes), one technician's and one client's open missions, and all statuses
 * from a cursor a year back.
 */
async function boardBench(db: pg.Client, a: Actors, reps: number) {
  say("Missions board: one page of 25 (+1) as a dispatcher, as PostgREST runs it");
  if (!a.dispatcherId) {
    verdict("board measured", false, "no dispatcher in the data set");
    return;
  }
  const dispatcher = a.dispatcherId;
  const OPEN = "array['new', 'published', 'assigned', 'in_progress', 'blocked']::public.mission_status[]";
  const page = (where: string) => `select m.id, m.title, m.status, m.priority, m.scheduled_start, m.technician_id, m.client_id,
       to_jsonb(c.*) as clients, to_jsonb(s.*) as sites
from public.missions m
left join lateral (select c.name from public.clients c where c.org_id = m.org_id and c.id = m.client_id) c on true
left join lateral (select s.name, s.city from public.sites s where s.org_id = m.org_id and s.id = m.site_id) s on true
where m.org_id = $1 and ${where}
order by m.scheduled_start asc nulls last, m.id asc
limit 26`;
  // The default view's first page gives the cursor of its next page (its 25th row).
  const first = await asSignedIn(db, dispatcher, () => db.query(page(`m.status = any (${OPEN})`), [a.orgId]));
  const cursor = first.rows[24] as { scheduled_start: Date | null; id: string } | undefined;
  const cases: { id: string; label: string; where: string; params: unknown[] }[] = [
    { id: "open", label: "open missions (default view), first page", where: `m.status = any (${OPEN})`, params: [] },
    ...(cursor?.scheduled_start
      ? [{
          id: "open_next_page",
          label: "open missions, next page",
          where: `m.status = any (${OPEN}) and m.scheduled_start >= $2 and (m.scheduled_start > $2 or m.id > $3)`,
          params: [cursor.scheduled_start, cursor.id],
        }]
      : []),
    { id: "technician", label: "one technician's open missions", where: `m.status = any (${OPEN}) and m.technician_id = $2`, params: [a.technicianId] },
    { id: "client", label: "one client's open missions", where: `m.status = any (${OPEN}) and m.client_id = $2`, params: [a.busiestClientId ?? a.orgId] },
    {
      id: "all_next_page",
      label: "all statuses, next page after a cursor a year back",
      where: `m.scheduled_start >= $2 and (m.scheduled_start > $2 or m.id > $3)`,
      params: [new Date(Date.now() - 365 * 86_400_000), "00000000-0000-0000-0000-000000000000"],
    },
  ];
  if (!cursor?.scheduled_start) verdict("board.open_next_page measured", false, "the default view has no second page");
  for (const c of cases) {
    const sql = page(c.where);
    const params = [a.orgId, ...c.params];
    let rows = 0;
    const run = () =>
      asSignedIn(db, dispatcher, async () => {
        const t = performance.now();
        const r = await db.query(sql, params);
        const ms = performance.now() - t;
        rows = r.rowCount ?? 0;
        return ms;
      });
    await run(); // warm-up, not counted
    const s = await interleaved(reps, { run });
    addFigure({ id: `board.${c.id}`, label: `board: ${c.label}`, unit: "ms", better: "lower", samples: s.run, note: `${rows} rows` });
    verdict(`board.${c.id} returns a page`, rows > 0, `${rows} rows`);
    const plan = await asSignedIn(db, dispatcher, () => explain(db, sql, params));
    writePlan(PLANS_DIR, `board-${c.id}`, `Missions board: ${c.label}\nAs the dispatcher (role authenticated, sub ${dispatcher}, RLS on).`, `${sql}\n\n${plan}`);
  }
}

/**
 * The health page (public.organization_health_checks) as the organization's
 * admin, after the nightly full verification of the organization's invoice
 * chain and log (its steps timed); its organization-level checks through
 * their per-organization functions (ops.org_check_<name>) against the way
 * they ran before (each operator view filtered by organization after its
 * window), as postgres; and the invoice_chain check from the recorded
 * verification against the whole-chain verify_invoice_chain it ran before.
 */
async function healthBench(db: pg.Client, a: Actors, reps: number) {
  say("Health page: organization_health_checks as the admin; per-organization check functions vs their views filtered by organization");
  if (!a.adminId) {
    verdict("health measured", false, "no admin in the data set");
    return;
  }
  const admin = a.adminId;
  // The invoice_chain check reads the last full verification: record one, as
  // the nightly job does (its steps timed), before timing the page. Removed
  // at the end, so the data set is left as it was.
  const verificationIds = await nightlyVerificationBench(db, a.orgId);
  const RPC = "select name, ok, count, sample from public.organization_health_checks($1)";
  let checks = 0;
  const rpc = () =>
    asSignedIn(db, admin, async () => {
      const t = performance.now();
      const r = await db.query(RPC, [a.orgId]);
      const ms = performance.now() - t;
      checks = r.rowCount ?? 0;
      return ms;
    });
  await rpc(); // warm-up, not counted
  const s1 = await interleaved(reps, { rpc });
  addFigure({ id: "health.organization_health_checks", label: "health: organization_health_checks (admin)", unit: "ms", better: "lower", samples: s1.rpc, note: `${checks} checks` });
  writePlan(PLANS_DIR, "health-organization_health_checks", `${RPC} as the admin (role authenticated)`, await nestedPlansAs(db, admin, RPC, [a.orgId]));

  const { rows: catalog } = await db.query<{ view: string; org_column: string; org_function: string }>(
    "select view, org_column, org_function from ops.health_check_catalog where org_function is not null order by position",
  );
  const bySample = (from: string) =>
    `select count(*) as n, coalesce(jsonb_agg(s.detail order by s.rank) filter (where s.rank <= 5), '[]') as sample from (${from}) s`;
  const viaFunctions = catalog.map((c) => bySample(`select f.detail, f.sample_rank as rank from ops.${c.org_function}($1) f`));
  const viaViews = catalog.map((c) => bySample(`select v.detail, row_number() over (order by v.sample_rank) as rank from ops.${c.view} v where v.${c.org_column} = $1`));
  let functionRows = "";
  let viewRows = "";
  const all = (sqls: string[], keep: (x: string) => void) => () =>
    asPostgres(db, async () => {
      const t = performance.now();
      const out: unknown[] = [];
      for (const sql of sqls) out.push((await db.query(sql, [a.orgId])).rows[0]);
      const ms = performance.now() - t;
      keep(JSON.stringify(out));
      return ms;
    });
  const functions = all(viaFunctions, (x) => (functionRows = x));
  const views = all(viaViews, (x) => (viewRows = x));
  await functions();
  await views(); // warm-up, not counted
  const s2 = await interleaved(reps, { functions, views });
  addFigure({
    id: "health.org_checks",
    label: `health: ${catalog.length} organization-level checks, per-organization functions`,
    unit: "ms",
    better: "lower",
    samples: s2.functions,
    baseline: { label: "views filtered by organization (before)", samples: s2.views },
  });
  verdict("health.org_checks same results as the views", functionRows === viewRows, functionRows === viewRows ? "identical counts and samples" : "the functions and the views differ");
  // A function's own statement is reached through auto_explain (nested statements).
  const plans: string[] = [];
  for (let i = 0; i < catalog.length; i++) {
    await db.query("begin");
    const inner = await withNestedPlans(db, async () => {
      await db.query(viaFunctions[i]!, [a.orgId]);
    }).finally(() => db.query("rollback"));
    await db.query("begin");
    const before = await explain(db, viaViews[i]!, [a.orgId]).finally(() => db.query("rollback"));
    plans.push(`── ${catalog[i]!.org_function} ──\n${inner}\n\n── ${catalog[i]!.view} filtered by organization (before) ──\n${before}`);
  }
  writePlan(PLANS_DIR, "health-org_checks", "Each organization-level check: its per-organization function, then its view filtered by organization (as postgres)", plans.join("\n\n"));

  // The invoice_chain check after the nightly verification (only the rows
  // issued since are recomputed) vs the whole chain it verified before.
  const timed = (sql: string) => () =>
    asPostgres(db, async () => {
      const t = performance.now();
      await db.query(sql, [a.orgId]);
      return performance.now() - t;
    });
  const checkpoint = timed("select count(*) from ops.org_check_invoice_chain($1)");
  const whole = timed("select * from public.verify_invoice_chain($1)");
  await checkpoint();
  await whole(); // warm-up, not counted
  const s3 = await interleaved(reps, { checkpoint, whole });
  addFigure({
    id: "health.invoice_chain_check",
    label: "health: invoice_chain check from the last full verification",
    unit: "ms",
    better: "lower",
    samples: s3.checkpoint,
    baseline: { label: "verify_invoice_chain over the whole chain (before)", samples: s3.whole },
  });
  await db.query("delete from private.invoice_chain_verifications where id = any($1::bigint[])", [verificationIds]);
}

/**
 * The nightly full verification of one organization's invoice chain and log,
 * advanced in steps of at most 20,000 rows as the pg_cron job advances it
 * (private.advance_invoice_chain_verification), each step its own
 * transaction. Returns the ids of the verifications recorded.
 */
async function nightlyVerificationBench(db: pg.Client, orgId: string): Promise<number[]> {
  const STEP = 20_000;
  // A run interrupted earlier may have left one running (one per organization and kind).
  await db.query("delete from private.invoice_chain_verifications where org_id = $1 and finished_at is null", [orgId]);
  const ids: number[] = [];
  const steps: number[] = [];
  let rows = 0;
  for (const kind of ["chain", "log"]) {
    const { rows: created } = await db.query<{ id: string }>(
      "insert into private.invoice_chain_verifications (org_id, kind) values ($1, $2) returning id",
      [orgId, kind],
    );
    const id = Number(created[0]!.id);
    ids.push(id);
    for (;;) {
      const t = performance.now();
      const { rows: step } = await db.query<{ n: string }>("select private.advance_invoice_chain_verification($1, $2) as n", [id, STEP]);
      steps.push(performance.now() - t);
      rows += Number(step[0]!.n);
      const { rows: state } = await db.query<{ ok: boolean | null; failure: string | null }>(
        "select ok, failure from private.invoice_chain_verifications where id = $1",
        [id],
      );
      if (state[0]!.ok !== null) {
        verdict(`nightly verification of the ${kind} passes`, state[0]!.ok === true, state[0]!.failure ?? "ok");
        break;
      }
    }
  }
  addFigure({
    id: "health.nightly_verification_step",
    label: `nightly verification: one step (at most ${STEP.toLocaleString("en")} rows)`,
    unit: "ms",
    better: "lower",
    samples: steps,
    note: `the organization's chain and log: ${rows} rows in ${steps.length} steps`,
  });
  addFigure({
    id: "health.nightly_verification_org",
    label: "nightly verification: one organization, chain and log, all steps",
    unit: "ms",
    better: "lower",
    samples: [steps.reduce((x, y) => x + y, 0)],
    note: `${rows} rows`,
  });
  return ids;
}

async function chartBench(db: pg.Client, a: Actors, reps: number) {
  say("Chart data: alerts_over_time (365 days), stock_level_history (365 days), revenue_by_month (24 months)");
  const { rows: items } = await db.query<{ id: string }>(
    `select item_id as id from public.stock_movements where org_id = $1 group by item_id order by count(*) desc, item_id limit 1`,
    [a.orgId],
  );
  const cases = [
    { id: "alerts_over_time", user: a.adminId, sql: "select * from public.alerts_over_time($1, current_date - 364, current_date)", params: [a.orgId] },
    { id: "stock_level_history", user: a.adminId, sql: "select * from public.stock_level_history($1, current_date - 364, current_date)", params: [items[0]?.id] },
    { id: "revenue_by_month", user: a.accountantId, sql: "select * from public.revenue_by_month($1, current_date - 700, current_date)", params: [a.orgId] },
  ];
  for (const c of cases) {
    if (!c.user || c.params[0] === undefined) {
      verdict(`chart.${c.id} measured`, false, "no such user or item in the data set");
      continue;
    }
    const user = c.user;
    let rows = 0;
    const run = () =>
      asSignedIn(db, user, async () => {
        const t = performance.now();
        const r = await db.query(c.sql, c.params);
        const ms = performance.now() - t;
        rows = r.rowCount ?? 0;
        return ms;
      });
    await run(); // warm-up, not counted
    const s = await interleaved(reps, { run });
    addFigure({ id: `chart.${c.id}`, label: `chart: ${c.id}`, unit: "ms", better: "lower", samples: s.run, note: `${rows} rows` });
    const plans = await nestedPlansAs(db, user, c.sql, c.params);
    writePlan(PLANS_DIR, `chart-${c.id}`, `${c.sql} as the ${c.id === "revenue_by_month" ? "accountant" : "admin"}`, plans);
  }
}

// ---------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------
function stackGroups(cfg: StackConfig, stack: RunningStack): Groups {
  const pgState = clusterState(cfg);
  return {
    "PostgreSQL (postmaster + backends)": { pid: pgState.running ? pgState.pid : undefined, descendants: true },
    PostgREST: { pid: stack.postgrest.pid, descendants: true },
    "Deno functions runtime": { pid: stack.functions.pid, descendants: true },
    "supervisor (gateway, auth, this harness)": { pid: process.pid, descendants: false },
  };
}

function memoryReport(final: Record<string, Usage>, peaks: Record<string, Usage>) {
  const mib = (k: number) => `${(k / 1024).toFixed(0)} MiB`;
  console.log("\nMemory (PSS adds up across processes; RSS counts shared buffers once per backend)");
  for (const [name, u] of Object.entries(final)) {
    const p = peaks[name];
    console.log(
      `  ${name.padEnd(42)} ${String(u.processes).padStart(3)} proc · RSS ${mib(u.rssKiB).padStart(9)} · PSS ${mib(u.pssKiB).padStart(9)}` +
        (p ? ` · peak PSS ${mib(p.pssKiB)} (RSS ${mib(p.rssKiB)})` : ""),
    );
  }
}

// ---------------------------------------------------------------------------
// Table, results file, comparison
// ---------------------------------------------------------------------------
function printTable() {
  console.log("\nFigures (median · bad-side p95 of interleaved repetitions; ratio > 1 = slower than its baseline)");
  const head = ["figure", "unit", "median", "p95", "baseline", "base median", "ratio"];
  const rows = figures.map((f) => [
    f.label,
    f.unit,
    formatNumber(f.summary.median),
    formatNumber(f.summary.p95),
    f.baseline?.label ?? "",
    f.baseline ? formatNumber(f.baseline.summary.median) : "",
    f.ratio !== undefined ? `${formatNumber(f.ratio)}×` : "",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => "  " + cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(head));
  console.log("  " + widths.map((w) => "─".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}

function compareWithPrevious(current: string, scale: number) {
  const names = existsSync(RESULTS_DIR) ? readdirSync(RESULTS_DIR) : [];
  const prev = previousResultFile(names, scale, current);
  if (!prev) {
    console.log(`\nNo previous results at scale ${scaleTag(scale)} to compare with.`);
    return undefined;
  }
  const before = JSON.parse(readFileSync(join(RESULTS_DIR, prev), "utf8")) as { figures: Figure[] };
  const rows = compareFigures(before.figures, figures);
  console.log(`\nBefore/after: ${prev} → ${current} (medians; ±10 % is noise on this machine)`);
  for (const r of rows) {
    const sign = r.deltaPct > 0 ? "+" : "";
    console.log(
      `  ${r.label.padEnd(52)} ${formatNumber(r.before).padStart(10)} → ${formatNumber(r.after).padStart(10)} ${r.unit.padEnd(6)} ${(sign + r.deltaPct.toFixed(1) + " %").padStart(9)}  ${r.verdict.padEnd(6)}` +
        (r.ratioBefore !== undefined ? `  ratio ${formatNumber(r.ratioBefore)}× → ${formatNumber(r.ratioAfter ?? NaN)}×` : ""),
    );
  }
  return { previous: prev, rows };
}

// ---------------------------------------------------------------------------
// A generated fiscal year through the FEC validator
// ---------------------------------------------------------------------------
// scripts/accounting/generated-year.ts: one year of invoices, credit notes and
// payments posted by the database, its FEC streamed from export_fec through
// the validator; twice, rolled back each time: with the ANALYZE a bulk load
// should run, and with the statistics left as they were before the load
// (what a bulk import nobody analyzed gets). Postings whose lookups the
// planner can get wrong on stale statistics show as a ratio far above 1.
async function fecBench(db: pg.Client, invoices: number) {
  say(`FEC: a generated year of ${invoices} invoices, statistics left stale vs analyzed after the load`);
  const once = async (analyze: boolean) => {
    await db.query("begin");
    try {
      const year = await generateYear(db, invoices, { analyze });
      const fec = await exportGeneratedFec(db);
      return { year, fec };
    } finally {
      await db.query("rollback");
    }
  };
  const analyzed = await once(true);
  const stale = await once(false);
  const per1000 = (r: typeof stale) => (r.year.generateSeconds * 1000 * 1000) / invoices;
  const lines = analyzed.fec.ledgerLines;
  addFigure({
    id: "fec.generate_per_1000_invoices", label: "generated year: issue + post per 1,000 invoices", unit: "ms", better: "lower",
    samples: [per1000(stale)], baseline: { label: "analyzed after the load", samples: [per1000(analyzed)] },
    note: `${invoices} invoices, ${analyzed.year.creditNotes} credit notes, ${analyzed.year.payments} payments; statistics stale`,
  });
  addFigure({
    id: "fec.export_per_100k_lines", label: "export_fec streamed, per 100,000 lines", unit: "ms", better: "lower",
    samples: [(analyzed.fec.seconds.export * 1000 * 100_000) / lines],
    note: `${lines} lines, ${(analyzed.fec.bytes / 1e6).toFixed(1)} MB`,
  });
  addFigure({
    id: "fec.validate_per_100k_lines", label: "FEC validator, per 100,000 lines", unit: "ms", better: "lower",
    samples: [(analyzed.fec.seconds.validate * 1000 * 100_000) / lines],
  });
  for (const [label, r] of [["analyzed", analyzed], ["stale statistics", stale]] as const) {
    verdict(`generated FEC valid (${label})`, r.fec.report.ok,
      r.fec.report.ok ? `${r.fec.report.lines} lines, ${r.fec.report.entries} entries` : JSON.stringify(r.fec.report.problems.slice(0, 3)));
  }
}

// ---------------------------------------------------------------------------
async function main() {
  const opts = parseOptions(process.argv.slice(2));
  const cfg = loadConfig("test", {
    stateDir: process.env.TERRAIN_BENCH_STATE_DIR ?? join(ROOT, ".terrain", "bench"),
    portBase: Number(process.env.TERRAIN_BENCH_PORT_BASE ?? 53321),
  });
  const started = new Date();
  const resultFile = resultFileName(started, opts.scale);
  const load = run("cat", ["/proc/loadavg"]).stdout.trim();
  say(`Bench at scale ${scaleTag(opts.scale)} on ${cfg.apiUrl} (state ${cfg.stateDir}); ${run("nproc", []).stdout.trim()} cores; load ${load}`);
  stopCluster(cfg, "immediate");
  rmSync(cfg.stateDir, { recursive: true, force: true });
  // A partial run (--only) rewrites only its own plans and leaves the others in place.
  if (!opts.only) rmSync(PLANS_DIR, { recursive: true, force: true });
  setPlanRunLabel(`npm run bench -- --scale ${scaleTag(opts.scale)} · ${started.toISOString()} · results ${resultFile}`);
  mkdirSync(PLANS_DIR, { recursive: true });

  // dataset.sql generates whole organizations of 10,000 missions (1 % of full each), at least one.
  const orgsAt = (fraction: number) => Math.max(1, Math.round(100 * opts.scale * fraction));
  if (new Set(opts.alertSizes.map(orgsAt)).size < opts.alertSizes.length) {
    say(`Note: at this scale some alert sizes generate the same data set (${opts.alertSizes.map((f) => `${orgsAt(f)} org`).join(", ")})`);
  }
  const datasets: DatasetInfo[] = [];
  const wantedBench = (bench: string) => !opts.only || opts.only.has(bench);
  // The web app's download sizes (gzipped, as served): a fresh production build.
  let bundle: BundleReport | null = null;
  const needsStack = BENCHES.some((b) => b !== "bundle" && wantedBench(b));
  if (wantedBench("bundle")) {
    await phase("bundle", async () => {
      const build = await runAsync("npm", ["run", "build", "-w", "web"], { cwd: ROOT });
      if (build.code !== 0) throw new Error(`web build failed:\n${build.stdout}${build.stderr}`);
      bundle = bundleReport(join(ROOT, "web", "dist"));
      say(formatBundleReport(bundle));
      verdict("initial JS within budget", bundle.initialJsGzipBytes <= INITIAL_JS_BUDGET_BYTES, `${bundle.initialJsGzipBytes} B gz (budget ${INITIAL_JS_BUDGET_BYTES})`);
    });
  }
  let stack: RunningStack | undefined;
  let sampler: ReturnType<typeof peakSampler> | undefined;
  let memoryFinal: Record<string, Usage> = {};
  let memoryPeaks: Record<string, Usage> = {};
  try {
    // The alert engine at the smaller sizes: one fresh database each, generated then measured.
    const wanted = (bench: string) => !opts.only || opts.only.has(bench);
    for (const fraction of wanted("alerts") ? opts.alertSizes.filter((f) => f < 1) : []) {
      await phase(`alerts at ${scaleTag(fraction)}`, async () => {
        await ensureDatabase(cfg, { reset: true });
        const db = new pg.Client({ connectionString: cfg.dbUrl });
        await db.connect();
        try {
          await prepareDatabase(db);
          datasets.push(await generate(cfg, opts.scale * fraction));
          await alertBench(db, fraction, opts.scale, opts.reps, { firstRunPlans: fraction === opts.alertSizes[0], timeoutSeconds: opts.firstRunTimeoutSeconds });
        } finally {
          await db.end();
        }
      });
    }

    // The full scale: every figure (none when only the bundle was asked for).
    if (needsStack) {
      // The full scale: every figure.
      await phase("generate at scale", async () => {
        await ensureDatabase(cfg, { reset: true });
        const db = new pg.Client({ connectionString: cfg.dbUrl });
        await db.connect();
        await prepareDatabase(db).finally(() => db.end());
        datasets.push(await generate(cfg, opts.scale));
      }, { fatal: true });
      stack = await bringUp(cfg, () => undefined);
      const s = stack;
      sampler = peakSampler(() => stackGroups(cfg, s));
      const db = new pg.Client({ connectionString: cfg.dbUrl, application_name: "terrain-bench" });
      await db.connect();
      try {
        const actors = await findActors(db);
        say(`Measured as: org ${actors.orgId}, technician ${actors.technicianId}, admin ${actors.adminId ?? "–"}, accountant ${actors.accountantId ?? "–"}`);
        const reps = opts.reps;
        // Whatever a failed bench left open on the shared session is undone before the next one.
        const step = (name: string, fn: () => Promise<void>) =>
          wanted(name.split(" ")[0]!)
            ? phase(name, () => fn().finally(() => db.query("rollback; reset all").catch(() => undefined)))
            : Promise.resolve();
        await step("rls", () => rlsBenches(db, actors, Math.max(reps, 15)));
        // Memory is sampled before and after the HTTP bursts, not during them (see peakSampler.pause).
        sampler.pause();
        await step("http", () => httpBenches(s, db, actors, reps)).finally(() => sampler?.resume());
        await step("stock", () => stockBench(cfg, db, actors, reps));
        await step("audit", () => auditBench(db, actors, Math.max(reps, 15)));
        await step("alerts at 1", () =>
          alertBench(db, 1, opts.scale, reps, { firstRunPlans: opts.alertSizes.length === 1, timeoutSeconds: opts.firstRunTimeoutSeconds }),
        );
        await step("issuing", () => issuingBench(cfg, db, actors, Math.min(reps, 5)));
        await step("chain", () => chainBench(db, actors, Math.min(reps, 5)));
        await step("fec", () => fecBench(db, opts.fecInvoices));
        await step("search", () => searchBench(db, actors, Math.max(reps, 15)));
        await step("board", () => boardBench(db, actors, Math.max(reps, 15)));
        await step("health", () => healthBench(db, actors, reps));
        await step("charts", () => chartBench(db, actors, reps));
      } finally {
        await db.end();
      }
      memoryFinal = measureGroups(stackGroups(cfg, s));
    }
  } finally {
    memoryPeaks = sampler?.stop() ?? {};
    if (Object.keys(memoryFinal).length) memoryReport(memoryFinal, memoryPeaks);
    if (stack) await stack.stop();
    else stopCluster(cfg);
    rmSync(cfg.stateDir, { recursive: true, force: true });
  }

  printTable();
  const failed = Object.entries(verdicts).filter(([, v]) => !v.ok);
  console.log(`\nVerdicts: ${Object.keys(verdicts).length - failed.length} hold, ${failed.length} do not${failed.length ? ": " + failed.map(([k]) => k).join(", ") : ""}`);
  const comparison = compareWithPrevious(resultFile, opts.scale);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const result = {
    date: started.toISOString(),
    scale: opts.scale,
    options: { ...opts, only: opts.only ? [...opts.only] : undefined },
    // A shared machine: the load average says how much the figures can be trusted.
    machine: { cores: Number(run("nproc", []).stdout.trim()), loadavgAtStart: load, loadavgAtEnd: run("cat", ["/proc/loadavg"]).stdout.trim(), postgres: serverVersion() },
    datasets,
    phasesSeconds: phases,
    figures,
    verdicts,
    bundle,
    memory: { final: memoryFinal, peaks: memoryPeaks },
    comparedWith: comparison?.previous ?? null,
    totalSeconds: Math.round((performance.now() - t0Run) / 1000),
  };
  writeFileSync(join(RESULTS_DIR, resultFile), JSON.stringify(result, null, 2) + "\n");
  console.log(`\nWrote bench/results/${resultFile} and ${readdirSync(PLANS_DIR).length} plans in bench/results/plans/ (total ${elapsed()}).`);
  if (failed.length) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(`\n✖ ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
