/**
 * A keep-alive HTTP load generator for the bench: `concurrency` clients, each
 * with its own persistent connection (one Agent socket per client), send GETs
 * until the burst's time is up. Loopback only. Run by the harness in a child
 * process (startLoadWorker), so the load does not compete with the gateway
 * for the harness's event loop.
 */
import { fork } from "node:child_process";
import http from "node:http";
import { fileURLToPath } from "node:url";

export interface Burst {
  requests: number;
  errors: number;
  firstError: string;
  seconds: number;
  /** Requests per second over the burst. */
  rps: number;
}

export function keepAliveAgent(concurrency: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
}

function get(agent: http.Agent, url: URL, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: "GET", headers },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** One burst of `seconds` against `url`; a non-200 answer counts as an error. */
export async function burst(
  agent: http.Agent,
  url: string,
  headers: Record<string, string>,
  { concurrency = 16, seconds = 1 } = {},
): Promise<Burst> {
  const target = new URL(url);
  let requests = 0;
  let errors = 0;
  let firstError = "";
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        try {
          const status = await get(agent, target, headers);
          if (status !== 200) throw new Error(`HTTP ${status}`);
          requests++;
        } catch (e) {
          if (!errors++) firstError = e instanceof Error ? e.message : String(e);
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  return { requests, errors, firstError, seconds: elapsed, rps: requests / elapsed };
}

// ---------------------------------------------------------------------------
// The load runs in a child process: in the harness's own process it would share
// one event loop with the gateway it measures (the supervisor serves the
// gateway), and each side would slow the other down.
// ---------------------------------------------------------------------------
interface BurstRequest {
  id: number;
  client: string;
  url: string;
  headers: Record<string, string>;
  concurrency: number;
  seconds: number;
}

export interface LoadWorker {
  /** A burst from the named client (one keep-alive Agent per client name, reused across bursts). */
  burst(client: string, url: string, headers: Record<string, string>, opts?: { concurrency?: number; seconds?: number }): Promise<Burst>;
  close(): void;
}

export function startLoadWorker(): LoadWorker {
  const child = fork(fileURLToPath(import.meta.url), ["--worker"], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting = new Map<number, { resolve: (b: Burst) => void; reject: (e: Error) => void }>();
  let next = 0;
  child.on("message", (m: { id: number; result?: Burst; error?: string }) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.result) w?.resolve(m.result);
    else w?.reject(new Error(m.error ?? "load worker failed"));
  });
  child.on("exit", (code) => {
    for (const w of waiting.values()) w.reject(new Error(`load worker exited (${code})`));
    waiting.clear();
  });
  return {
    burst(client, url, headers, { concurrency = 16, seconds = 1 } = {}) {
      const id = ++next;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ id, client, url, headers, concurrency, seconds } satisfies BurstRequest);
      });
    },
    close() {
      child.kill();
    },
  };
}

if (process.argv.includes("--worker") && process.send) {
  const agents = new Map<string, http.Agent>();
  process.on("message", (req: BurstRequest) => {
    let agent = agents.get(req.client);
    if (!agent) agents.set(req.client, (agent = keepAliveAgent(req.concurrency)));
    burst(agent, req.url, req.headers, req).then(
      (result) => process.send!({ id: req.id, result }),
      (e: unknown) => process.send!({ id: req.id, error: e instanceof Error ? e.message : String(e) }),
    );
  });
  process.on("disconnect", () => process.exit(0));
}
