/**
 * `npm run bench`: speed and memory figures of the hot paths, on a
 * throw-away stack (API port 53321, state in .terrain/bench). It prints
 * figures and asserts nothing: targets are judged by reading them, never by
 * timed assertions in tests. Every loop is bounded in count and time and
 * talks to 127.0.0.1 only.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { LOCAL_DEV_DEMO_PASSWORD, ROOT, loadConfig } from "../stack/config.ts";
import { clusterState, stopCluster } from "../stack/postgres.ts";
import { run } from "../stack/proc.ts";
import { bringUp } from "../stack/stack.ts";

const ORG_A = "a0000000-0000-4000-8000-0000000000a0";
const CLIENT_A = "a0000000-0000-4000-8000-0000000000c1";
const SITE_A = "a0000000-0000-4000-8000-0000000000d1";

interface Figure {
  bench: string;
  value: string;
  detail: string;
}
const figures: Figure[] = [];
const report = (bench: string, value: string, detail = "") => {
  figures.push({ bench, value, detail });
  console.log(`  ${bench.padEnd(44)} ${value.padStart(14)}  ${detail}`);
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** `concurrency` workers call `fn` until `maxRequests` are done or `maxSeconds` pass. */
async function load(fn: () => Promise<void>, { concurrency = 16, maxRequests = 20_000, maxSeconds = 5 } = {}) {
  const latencies: number[] = [];
  let started = 0;
  let errors = 0;
  let firstError = "";
  const t0 = performance.now();
  const deadline = t0 + maxSeconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < maxRequests && performance.now() < deadline) {
        started++;
        const s = performance.now();
        try {
          await fn();
        } catch (e) {
          if (!errors++) firstError = e instanceof Error ? e.message : String(e);
        }
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), n: latencies.length, errors, firstError };
}

const fmt = (r: Awaited<ReturnType<typeof load>>) =>
  `p50 ${r.p50.toFixed(1)} ms · p99 ${r.p99.toFixed(1)} ms · n=${r.n}${r.errors ? ` · ${r.errors} errors (first: ${r.firstError})` : ""}`;

async function httpBenches(apiUrl: string, restPort: number, anonKey: string, serviceKey: string) {
  console.log("\nHTTP (16 concurrent clients, 5 s each)");
  const path = `/organizations?id=eq.${ORG_A}&select=id,name`;
  const headers = { apikey: serviceKey, Authorization: `Bearer ${serviceKey}` };
  const direct = await load(async () => {
    const r = await fetch(`http://127.0.0.1:${restPort}${path}`, { headers });
    if (r.status !== 200) throw new Error(`HTTP ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  });
  report("PostgREST single-row GET (direct)", `${direct.rps.toFixed(0)} req/s`, fmt(direct));
  const viaGateway = await load(async () => {
    const r = await fetch(`${apiUrl}/rest/v1${path}`, { headers });
    if (r.status !== 200) throw new Error(String(r.status));
    await r.arrayBuffer();
  });
  report("PostgREST single-row GET (via gateway)", `${viaGateway.rps.toFixed(0)} req/s`, fmt(viaGateway));

  const signIn = await load(
    async () => {
      const r = await fetch(`${apiUrl}/auth/v1/token?grant_type=password`, {
        method: "POST",
        headers: { apikey: anonKey, "content-type": "application/json" },
        body: JSON.stringify({ email: "tech1@chaleur-express.test", password: LOCAL_DEV_DEMO_PASSWORD }),
      });
      if (r.status !== 200) throw new Error(String(r.status));
      await r.arrayBuffer();
    },
    { concurrency: 4, maxRequests: 40, maxSeconds: 10 },
  );
  report("auth password grant (bcrypt cost 10)", `${signIn.rps.toFixed(1)} req/s`, fmt(signIn));
}

async function dbBenches(dbUrl: string) {
  console.log("\nDatabase (system actor, one transaction per operation)");
  const pool = new pg.Pool({ connectionString: dbUrl, max: 8 });
  try {
    // Stock: many writers on one item (row-lock contention) vs on distinct items.
    const items = (
      await pool.query<{ id: string }>(
        `insert into public.stock_items (org_id, sku, name, unit, min_stock, cost_cents, price_cents, vat_rate)
         select $1, 'BENCH-' || g, 'Bench item ' || g, 'u', 0, 100, 200, 20 from generate_series(1, 8) g returning id`,
        [ORG_A],
      )
    ).rows.map((r) => r.id);
    for (const id of items) {
      await pool.query(`insert into public.stock_movements (org_id, item_id, kind, quantity, reason, idempotency_key)
                        values ($1, $2::uuid, 'in', 1000000, 'bench stock', 'bench-in-' || $2::text)`, [ORG_A, id]);
    }
    let seq = 0;
    const out = (item: string) => () =>
      pool.query(`insert into public.stock_movements (org_id, item_id, kind, quantity, idempotency_key) values ($1, $2, 'out', 1, $3)`, [
        ORG_A,
        item,
        `bench-out-${++seq}`,
      ]).then(() => undefined);
    const hot = await load(out(items[0]!), { concurrency: 8, maxRequests: 4000 });
    report("stock 'out' movement, 8 writers, 1 item", `${hot.rps.toFixed(0)} mov/s`, fmt(hot));
    let k = 0;
    const spread = await load(() => out(items[k++ % items.length]!)(), { concurrency: 8, maxRequests: 4000 });
    report("stock 'out' movement, 8 writers, 8 items", `${spread.rps.toFixed(0)} mov/s`, fmt(spread));

    // Missions: create and publish through the state machine.
    const missionIds = (
      await pool.query<{ id: string }>(
        `insert into public.missions (org_id, client_id, site_id, title)
         select $1, $2, $3, 'Bench mission ' || g from generate_series(1, 2000) g returning id`,
        [ORG_A, CLIENT_A, SITE_A],
      )
    ).rows.map((r) => r.id);
    let m = 0;
    const publish = await load(
      () =>
        pool.query(`select public.transition_mission($1, 'published', $2)`, [missionIds[m]!, `bench-pub-${missionIds[m++]}`]).then(() => undefined),
      { concurrency: 8, maxRequests: missionIds.length },
    );
    report("transition_mission new → published", `${publish.rps.toFixed(0)} ops/s`, fmt(publish));

    // Invoices: issue drafts (numbering, chain and legal mentions serialise per org).
    const drafts = (
      await pool.query<{ id: string }>(
        `insert into public.invoices (org_id, client_id, kind, service_date)
         select $1, $2, 'invoice', current_date from generate_series(1, 300) returning id`,
        [ORG_A, CLIENT_A],
      )
    ).rows.map((r) => r.id);
    await pool.query(
      `insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_cents, vat_rate)
       select $1, d.id, p, 'Intervention ' || p, 1.5, 6500, 10 from unnest($2::uuid[]) d(id), generate_series(1, 3) p`,
      [ORG_A, drafts],
    );
    let d = 0;
    const issue = await load(() => pool.query(`select public.issue_invoice($1)`, [drafts[d++]!]).then(() => undefined), {
      concurrency: 4,
      maxRequests: drafts.length,
    });
    report("issue_invoice, 4 concurrent, one org", `${issue.rps.toFixed(0)} inv/s`, fmt(issue));
    const chain = performance.now();
    const { rows } = await pool.query(`select public.verify_invoice_chain($1) as r`, [ORG_A]);
    report("verify_invoice_chain (whole org)", `${(performance.now() - chain).toFixed(0)} ms`, JSON.stringify(rows[0].r).slice(0, 80));
  } finally {
    await pool.end();
  }
}

function memory(pids: Record<string, number | undefined>, postmasterPid: number | undefined) {
  console.log("\nMemory (resident set size after the benches)");
  for (const [name, pid] of Object.entries(pids)) {
    if (!pid) continue;
    const rss = Number(run("ps", ["-o", "rss=", "-p", String(pid)]).stdout.trim());
    report(`RSS ${name}`, `${(rss / 1024).toFixed(0)} MiB`);
  }
  if (postmasterPid) {
    // The bench cluster only: its postmaster and the backends it forked (shared buffers counted per process).
    const pgRss = run("bash", ["-c", `ps -o rss= -p ${postmasterPid} --ppid ${postmasterPid} | awk '{s+=$1} END {print s}'`]).stdout.trim();
    report("RSS PostgreSQL cluster (postmaster + children)", `${(Number(pgRss) / 1024).toFixed(0)} MiB`);
  }
}

async function main() {
  // Its own ports and state, so it can run beside `npm start` and `npm test`.
  const cfg = loadConfig("test", {
    stateDir: process.env.TERRAIN_BENCH_STATE_DIR ?? join(ROOT, ".terrain", "bench"),
    portBase: Number(process.env.TERRAIN_BENCH_PORT_BASE ?? 53321),
  });
  stopCluster(cfg, "immediate");
  rmSync(cfg.stateDir, { recursive: true, force: true });
  console.log(`Bench stack on ${cfg.apiUrl} (state ${cfg.stateDir}); machine: ${run("nproc", []).stdout.trim()} cores`);
  const stack = await bringUp(cfg, () => undefined);
  try {
    await httpBenches(cfg.apiUrl, cfg.ports.rest, stack.keys.anonKey, stack.keys.serviceRoleKey);
    await dbBenches(cfg.dbUrl);
    const pgState = clusterState(cfg);
    memory(
      { "PostgREST": stack.postgrest.pid, "Deno functions runtime": stack.functions.pid, "supervisor (gateway + auth)": process.pid },
      pgState.running ? pgState.pid : undefined,
    );
  } finally {
    await stack.stop();
    rmSync(cfg.stateDir, { recursive: true, force: true });
  }
  console.log(`\n${figures.length} figures.`);
}

await main();
