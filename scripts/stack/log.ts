/**
 * The stack's log line, one format for every component (gateway, auth
 * stand-in, functions runtime, functions): one JSON object per line with
 * `ts`, `level`, `msg`, then the event's fields (`svc` names the component,
 * `request_id` ties the lines of one request together across components).
 * edge-functions/_shared/log.ts writes the same fields on the Deno side.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export type LogFields = Record<string, unknown>;

/** One line; `ts`, `level` and `msg` come first and a field cannot override them. */
export function formatLogLine(level: LogLevel, msg: string, fields: LogFields = {}): string {
  const { ts: _ts, level: _level, msg: _msg, ...rest } = fields;
  return JSON.stringify({ ts: new Date().toISOString(), level, msg, ...rest });
}

/** The level of a request's line: 5xx error, 4xx warn, else info (as the functions' access lines). */
export function levelForStatus(status: number): LogLevel {
  return status >= 500 ? "error" : status >= 400 ? "warn" : "info";
}
