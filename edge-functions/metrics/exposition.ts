/**
 * Prometheus text exposition format 0.0.4 for GET /functions/v1/metrics.
 * The SQL (ops.metrics()) computes the series; this module only formats them:
 * one HELP and one TYPE line per metric, its samples right after, label values
 * escaped (backslash, double quote, line feed), values as Prometheus floats.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** One row of ops.metrics(). */
export interface Sample {
  metric: string;
  labels: Record<string, unknown> | null;
  value: number | string | null;
}

export interface MetricInfo {
  help: string;
  type: "gauge" | "counter" | "untyped";
}

/** Every series ops.metrics() returns, in output order. */
export const METRICS: Readonly<Record<string, MetricInfo>> = Object.freeze({
  terrain_alerts: {
    help: "Open alerts (firing or acknowledged) by organization, severity and status.",
    type: "gauge",
  },
  terrain_notifications_backlog: {
    help: "Notifications pending delivery, by channel.",
    type: "gauge",
  },
  terrain_notifications_oldest_pending_seconds: {
    help: "Age in seconds of the oldest notification pending delivery, by channel (0 when none).",
    type: "gauge",
  },
  terrain_cron_job_failures_24h: {
    help: "Failed runs of each pg_cron job in the last 24 hours.",
    type: "gauge",
  },
  terrain_invoices_total_cents: {
    help: "Sum of invoice totals including VAT, in cents, by organization and status.",
    type: "gauge",
  },
  terrain_invoices_count: { help: "Number of invoices by organization and status.", type: "gauge" },
  terrain_health_check_ok: {
    help: "1 when the operator health check passes, 0 when it fails (ops.health_checks).",
    type: "gauge",
  },
});

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label values: backslash, double quote and line feed are escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text: backslash and line feed are escaped (quotes are not). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A sample value as Prometheus writes floats: NaN, +Inf, -Inf, or a number. */
export function formatValue(value: number | string | null): string {
  const n = typeof value === "string" ? Number(value) : value;
  if (n === null || Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}

function formatLabels(labels: Record<string, unknown> | null): string {
  const entries = Object.entries(labels ?? {}).filter(([, v]) => v !== null && v !== undefined);
  if (entries.length === 0) return "";
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const parts = entries.map(([name, value]) => {
    if (!LABEL_NAME.test(name) || name.startsWith("__")) {
      throw new Error(`invalid label name: ${name}`);
    }
    return `${name}="${escapeLabelValue(String(value))}"`;
  });
  return `{${parts.join(",")}}`;
}

/**
 * The exposition text: metrics in METRICS order (then any other, untyped),
 * each with HELP and TYPE once and all its samples grouped under them. A known
 * metric without samples still gets its HELP and TYPE.
 */
export function formatExposition(samples: readonly Sample[], known = METRICS): string {
  const byMetric = new Map<string, Sample[]>();
  for (const name of Object.keys(known)) byMetric.set(name, []);
  for (const sample of samples) {
    if (!METRIC_NAME.test(sample.metric)) throw new Error(`invalid metric name: ${sample.metric}`);
    const list = byMetric.get(sample.metric);
    if (list) list.push(sample);
    else byMetric.set(sample.metric, [sample]);
  }
  const lines: string[] = [];
  for (const [name, list] of byMetric) {
    const info = known[name] ?? { help: name, type: "untyped" as const };
    lines.push(`# HELP ${name} ${escapeHelp(info.help)}`);
    lines.push(`# TYPE ${name} ${info.type}`);
    for (const sample of list) {
      lines.push(`${name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
    }
  }
  return lines.join("\n") + "\n";
}
