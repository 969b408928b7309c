/** Small process helpers shared by the stack scripts. */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions, type SpawnSyncOptions } from "node:child_process";
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import { createConnection } from "node:net";

export const isRoot = () => process.getuid?.() === 0;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command to completion and capture its output (never throws on exit code). */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  return { code: r.status ?? 1, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") };
}

/**
 * Run a command to completion without blocking the event loop — required
 * whenever this process also serves the stack (the gateway and auth stand-in
 * live in the supervisor). Output is captured and, with `echo`, also shown live.
 */
export function runAsync(cmd: string, args: string[], opts: SpawnOptions & { echo?: boolean } = {}): Promise<RunResult> {
  const { echo = false, ...spawnOpts } = opts;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...spawnOpts, stdio: ["ignore", "pipe", "pipe"] });
    // Bytes, decoded once at the end: a read can end inside a multi-byte UTF-8 character.
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on("data", (d: Buffer) => {
      stdout.push(d);
      if (echo) process.stdout.write(d);
    });
    child.stderr!.on("data", (d: Buffer) => {
      stderr.push(d);
      if (echo) process.stderr.write(d);
    });
    child.once("error", (e) => reject(new Error(`${cmd}: ${e.message}`)));
    child.once("close", (code) =>
      resolve({ code: code ?? 1, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") }),
    );
  });
}

/** Run a command, throwing with its output when it fails. */
export function runOrThrow(cmd: string, args: string[], opts: SpawnOptions = {}): RunResult {
  const r = run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${[cmd, ...args].join(" ")} exited with ${r.code}\n${r.stderr || r.stdout}`);
  }
  return r;
}

/** Start a long-running child whose stdout/stderr go to a log file. */
export function spawnLogged(cmd: string, args: string[], logFile: string, opts: SpawnOptions = {}): ChildProcess {
  const out = createWriteStream(logFile, { flags: "a" });
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function portInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `probe` until it returns true, or fail with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  { timeoutMs = 30_000, logFile, child }: { timeoutMs?: number; logFile?: string; child?: ChildProcess } = {},
) {
  const deadline = Date.now() + timeoutMs;
  const logTail = () => (logFile ? `\n--- last lines of ${logFile} ---\n${tail(logFile)}` : "");
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`${what} exited during start-up (${child.exitCode ?? child.signalCode})${logTail()}`);
    }
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000}s${logTail()}`);
}

export function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return "(no log)";
  return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
}

/** Stop a child: SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited. */
export function stopChild(child: ChildProcess | undefined, graceMs = 5000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
