/**
 * Structured logging for edge functions: one JSON object per line, so the local
 * stack's log files and Supabase's log explorer can both filter on fields.
 *
 * Secrets never reach a log line: we log the path (never the query string, which
 * may carry tokens), never headers or bodies, and `redact` masks any extra field
 * whose name looks like a credential. Error messages pass through
 * `safeErrorMessage`, which strips passwords out of connection strings.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";

export type LogFields = Record<string, unknown>;

/** Field names whose values are credentials (matched case-insensitively, anywhere in the name). */
const SECRET_FIELD_NAME =
  /authorization|api[-_]?key|token|secret|password|passwd|cookie|jwt|service[-_]?role/i;

/** `scheme://user:password@host` → `scheme://user:***@host` (Postgres URLs, SMTP URLs, ...). */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+):[^@\s]+@/gi;

/** Bearer tokens and JWT-looking strings that end up inside messages. */
const BEARER_TOKEN = /\bBearer\s+[A-Za-z0-9._~+/=-]+/g;
const JWT_LIKE = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

/** Removes credentials from free text (error messages, URLs). */
export function scrubSecrets(text: string): string {
  return text
    .replace(URL_CREDENTIALS, "$1:***@")
    .replace(BEARER_TOKEN, "Bearer ***")
    .replace(JWT_LIKE, "***");
}

/** The message of anything thrown, without a stack and without credentials. */
export function safeErrorMessage(error: unknown): string {
  if (error instanceof Error) return scrubSecrets(error.message || error.name);
  if (typeof error === "string") return scrubSecrets(error);
  try {
    return scrubSecrets(JSON.stringify(error));
  } catch {
    return String(error);
  }
}

/** Masks credential-looking fields, recursively, so a careless `log.info({headers})` stays safe. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 5) return "[truncated]";
  if (typeof value === "string") return scrubSecrets(value);
  if (value instanceof Error) return safeErrorMessage(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = SECRET_FIELD_NAME.test(key) ? "[redacted]" : redact(inner, depth + 1);
    }
    return out;
  }
  return value;
}

/**
 * Writes one log line. Warnings and errors go to stderr so a supervisor (and
 * Supabase's dashboard) can tell them apart without parsing.
 */
export function writeLog(level: LogLevel, fields: LogFields): void {
  // ts and level always come first and cannot be overridden by a caller's field.
  const { ts: _ts, level: _level, ...rest } = redact(fields) as LogFields;
  const line = JSON.stringify({ ts: new Date().toISOString(), level, ...rest });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines also carry `fields` (e.g. the request id). */
  child(fields: LogFields): Logger;
}

export function createLogger(base: LogFields = {}): Logger {
  const at = (level: LogLevel) => (msg: string, fields: LogFields = {}) =>
    writeLog(level, { ...base, msg, ...fields });
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (fields) => createLogger({ ...base, ...fields }),
  };
}

/** What the per-request access line records; `ms` is the handler's wall time. */
export interface AccessLogEntry {
  fn: string;
  request_id: string;
  method: string;
  /** Path only: the query string is dropped because it may carry tokens. */
  path: string;
  status: number;
  ms: number;
  error?: string;
}

/** The one line per request: level follows the status (5xx error, 4xx warn). */
export function logAccess(entry: AccessLogEntry): void {
  const level: LogLevel = entry.status >= 500 ? "error" : entry.status >= 400 ? "warn" : "info";
  writeLog(level, { msg: "request", ...entry });
}
