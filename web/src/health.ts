/**
 * Client for the `health` edge function (GET /functions/v1/health).
 *
 * The function (edge-functions/health) answers 200 when healthy and 503 when a
 * check fails, with the same body:
 *   { "status": "ok" | "degraded", "version": "0.1.0", "time": "…",
 *     "checks": { "database":   { "ok": true, "latency_ms": 2, "server_version": "15.14" },
 *                 "migrations": { "ok": true, "latency_ms": 1, "applied": 4, "latest": "20260101000000" },
 *                 "pg_cron":    { "ok": false, "latency_ms": 1, "version": null, "launcher_running": false,
 *                                 "error": "extension pg_cron is not installed in this database" } } }
 * The parser is lenient on purpose (a check given as a boolean, a status word,
 * `{ status }`, or `checks` as an array of `{ name, … }`): a panel that shows
 * "Unknown" beats one that breaks when the function gains a field.
 */

export type CheckState = "ok" | "failing" | "unknown";

export interface HealthCheck {
  name: string;
  label: string;
  state: CheckState;
  detail: string | null;
}

export interface HealthReport {
  /** True only when every check, including the expected ones, is ok. */
  healthy: boolean;
  version: string | null;
  checks: HealthCheck[];
}

export class HealthError extends Error {
  override name = "HealthError";
}

/** The checks the status panel always shows, in this order, even when the function omits one. */
export const EXPECTED_CHECKS: ReadonlyArray<{ name: string; label: string }> = [
  { name: "database", label: "Database" },
  { name: "migrations", label: "Migrations" },
  { name: "pg_cron", label: "pg_cron" },
];

export interface HealthRequest {
  supabaseUrl: string;
  anonKey: string;
  /** The signed-in user's JWT; the function may verify it (verify_jwt). */
  accessToken: string | null;
  fetch: typeof fetch;
}

export async function fetchHealth({ supabaseUrl, anonKey, accessToken, fetch }: HealthRequest): Promise<HealthReport> {
  let response: Response;
  try {
    response = await fetch(`${supabaseUrl}/functions/v1/health`, {
      method: "GET",
      headers: { apikey: anonKey, Authorization: `Bearer ${accessToken ?? anonKey}`, Accept: "application/json" },
      cache: "no-store",
    });
  } catch (error) {
    throw new HealthError(`Could not reach the health function: ${(error as Error).message}.`);
  }
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    // Reported below with the status, which says more than the parse error.
  }
  // 503 is how a health endpoint says "up but degraded": its body still lists the checks.
  if ((response.ok || response.status === 503) && isObject(body)) {
    return parseHealth(body);
  }
  const message = isObject(body) ? stringField(body, ["message", "error", "msg"]) : null;
  throw new HealthError(
    `Health check answered HTTP ${response.status}` + (message ? `: ${message}` : isObject(body) ? "." : " without JSON."),
  );
}

export function parseHealth(body: Record<string, unknown>): HealthReport {
  const version = typeof body.version === "string" && body.version !== "" ? body.version : null;
  // Liveness only: what health tells anyone who is not the service role (the
  // details are for operators). One "Service" line from the overall status.
  if (body.checks === undefined && typeof body.status === "string") {
    const state = stateFromWord(body.status);
    return { healthy: state === "ok", version, checks: [{ name: "service", label: "Service", state, detail: null }] };
  }
  const reported = readChecks(body.checks);
  const expectedNames = new Set(EXPECTED_CHECKS.map((check) => check.name));
  const checks: HealthCheck[] = EXPECTED_CHECKS.map(({ name, label }) => {
    const found = reported.get(name);
    return { name, label, state: found?.state ?? "unknown", detail: found ? found.detail : "Not reported" };
  });
  for (const [name, check] of reported) {
    if (!expectedNames.has(name)) checks.push({ name, label: name, ...check });
  }
  return {
    healthy: checks.every((check) => check.state === "ok"),
    version,
    checks,
  };
}

type ReportedCheck = Pick<HealthCheck, "state" | "detail">;

function readChecks(raw: unknown): Map<string, ReportedCheck> {
  const checks = new Map<string, ReportedCheck>();
  if (Array.isArray(raw)) {
    for (const item of raw) {
      if (isObject(item) && typeof item.name === "string") checks.set(item.name, readCheck(item));
    }
  } else if (isObject(raw)) {
    for (const [name, value] of Object.entries(raw)) checks.set(name, readCheck(value));
  }
  return checks;
}

const OK_WORDS = new Set(["ok", "pass", "passing", "up", "healthy"]);
const FAILING_WORDS = new Set(["fail", "failed", "failing", "error", "down", "unhealthy", "degraded"]);

function readCheck(value: unknown): ReportedCheck {
  if (typeof value === "boolean") return { state: value ? "ok" : "failing", detail: null };
  if (typeof value === "string") return { state: stateFromWord(value), detail: null };
  if (!isObject(value)) return { state: "unknown", detail: null };
  const state =
    typeof value.ok === "boolean"
      ? value.ok
        ? "ok"
        : "failing"
      : typeof value.status === "string"
        ? stateFromWord(value.status)
        : "unknown";
  return { state, detail: stringField(value, ["error", "detail", "message"]) ?? describeFindings(value) };
}

/** A one-line summary of what a passing check found, e.g. "PostgreSQL 15.14 · 2 ms". */
function describeFindings(check: Record<string, unknown>): string | null {
  const parts: string[] = [];
  const { server_version, applied, latest, version, launcher_running, latency_ms } = check;
  if (typeof server_version === "string") parts.push(`PostgreSQL ${server_version}`);
  if (typeof applied === "number") parts.push(`${applied} applied` + (typeof latest === "string" ? `, latest ${latest}` : ""));
  if (typeof version === "string") parts.push(`version ${version}`);
  if (typeof launcher_running === "boolean") parts.push(launcher_running ? "launcher running" : "launcher not running");
  if (typeof latency_ms === "number") parts.push(`${Math.round(latency_ms)} ms`);
  return parts.length > 0 ? parts.join(" · ") : null;
}

function stateFromWord(word: string): CheckState {
  const normalised = word.trim().toLowerCase();
  if (OK_WORDS.has(normalised)) return "ok";
  if (FAILING_WORDS.has(normalised)) return "failing";
  return "unknown";
}

function stringField(value: Record<string, unknown>, keys: string[]): string | null {
  for (const key of keys) {
    const field = value[key];
    if (typeof field === "string" && field !== "") return field;
  }
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
