import { useCallback, useEffect, useState } from "react";
import type { CheckState, HealthReport } from "../health.ts";

type Status =
  | { kind: "loading" }
  | { kind: "loaded"; report: HealthReport; checkedAt: Date }
  | { kind: "failed"; message: string };

const STATE_TEXT: Record<CheckState, string> = { ok: "OK", failing: "Failing", unknown: "Unknown" };

export function SystemStatus({ loadHealth }: { loadHealth: () => Promise<HealthReport> }) {
  const [status, setStatus] = useState<Status>({ kind: "loading" });

  const refresh = useCallback(async (isCurrent: () => boolean = () => true) => {
    setStatus({ kind: "loading" });
    try {
      const report = await loadHealth();
      if (isCurrent()) setStatus({ kind: "loaded", report, checkedAt: new Date() });
    } catch (error) {
      if (isCurrent()) setStatus({ kind: "failed", message: (error as Error).message || "Health check failed." });
    }
  }, [loadHealth]);

  useEffect(() => {
    // Ignore an answer that arrives after unmount or after loadHealth changed.
    let current = true;
    void refresh(() => current);
    return () => {
      current = false;
    };
  }, [refresh]);

  return (
    <section className="card" aria-labelledby="system-status-title" aria-busy={status.kind === "loading"}>
      <div className="card-header">
        <h2 id="system-status-title">System status</h2>
        <button type="button" className="button" onClick={() => void refresh()} disabled={status.kind === "loading"}>
          {status.kind === "loading" ? "Checking…" : "Check again"}
        </button>
      </div>
      {status.kind === "loading" && <p className="muted">Checking the backend…</p>}
      {status.kind === "failed" && (
        <p role="alert" className="error-message">
          {status.message}
        </p>
      )}
      {status.kind === "loaded" && (
        <>
          <p className={status.report.healthy ? "summary ok" : "summary failing"}>
            {status.report.healthy ? "All checks pass." : "Some checks are not passing."}
          </p>
          <ul className="checks">
            {status.report.checks.map((check) => (
              <li key={check.name} className={`check ${check.state}`}>
                <span className="check-name">{check.label}</span>
                <span className="check-state">{STATE_TEXT[check.state]}</span>
                {check.detail && <span className="check-detail">{check.detail}</span>}
              </li>
            ))}
          </ul>
          <p className="muted">
            Version {status.report.version ?? "not reported"} · checked at{" "}
            <time dateTime={status.checkedAt.toISOString()}>{status.checkedAt.toLocaleTimeString()}</time>
          </p>
        </>
      )}
    </section>
  );
}
