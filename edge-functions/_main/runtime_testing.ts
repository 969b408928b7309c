/**
 * Test helper: the local functions runtime (_main/index.ts) started for real
 * as a child process, its JSON log lines collected as they arrive.
 */
import { join, resolve } from "node:path";

const REPO_ROOT = resolve(import.meta.dirname!, "../..");
const RUNTIME = join(REPO_ROOT, "edge-functions/_main/index.ts");
const DENO_CONFIG = join(REPO_ROOT, "edge-functions/deno.json");
/** A cold Deno cache downloads zod from the npm registry before the first function loads. */
const STARTUP_TIMEOUT_MS = 60_000;

export interface RunningRuntime {
  baseUrl: string;
  child: Deno.ChildProcess;
  /** Every JSON line the runtime printed (stdout and stderr), as it arrives. */
  logs: Record<string, unknown>[];
  /** Resolves once both output streams are closed. */
  drained: Promise<void>;
}

async function collectLines(
  stream: ReadableStream<Uint8Array>,
  into: Record<string, unknown>[],
): Promise<void> {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (!line) continue;
      try {
        into.push(JSON.parse(line));
      } catch {
        into.push({ raw: line });
      }
    }
  }
}

/**
 * Starts the runtime as the supervisor does (`deno run` with the production
 * permission flags, --allow-read limited to `functionsDir`) on a free port,
 * with `env` added to this process's environment; resolves once it listens.
 */
export async function startRuntime(
  functionsDir: string,
  env: Record<string, string>,
): Promise<RunningRuntime> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--cached-only",
      "--config",
      DENO_CONFIG,
      "--no-prompt",
      "--allow-net",
      "--allow-env",
      `--allow-read=${functionsDir}`,
      RUNTIME,
    ],
    env: {
      ...env,
      // No call home for a newer Deno: only the npm registry is reachable.
      DENO_NO_UPDATE_CHECK: "1",
      FUNCTIONS_PORT: "0",
      FUNCTIONS_DIR: functionsDir,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  const logs: Record<string, unknown>[] = [];
  const drained = Promise.all([collectLines(child.stdout, logs), collectLines(child.stderr, logs)])
    .then(() => {});

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    const listening = logs.find((line) => line.msg === "listening");
    if (listening) return { baseUrl: String(listening.url), child, logs, drained };
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await child.status;
      await drained;
      throw new Error(`runtime did not start:\n${logs.map((l) => JSON.stringify(l)).join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
