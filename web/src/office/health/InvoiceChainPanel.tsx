/**
 * The invoice integrity chain on the health page: the last full verification
 * of the invoice hash chain and of the invoice log (when, rows checked,
 * result), and "Vérifier maintenant", which runs one through
 * run_invoice_chain_verification in bounded steps (each call checks a few
 * thousand rows and says how far it got) until both are done, then refreshes
 * the checks. README.md, "Accounting".
 */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Database } from "../../../../types/database.ts";
import { useOffice } from "../context.tsx";
import { ErrorMessage, formatDateTime, formatNumber, toApiError, unwrap, useQuery, type ApiError } from "../ui/index.ts";

type Verification = Database["public"]["Functions"]["last_invoice_chain_verifications"]["Returns"][number];

/** One finding of the invoice_chain check (ops.org_check_invoice_chain's detail). */
interface ChainFinding {
  kind?: string;
  number?: string | null;
  seq?: number | null;
  reason?: string;
}

const KINDS = ["chain", "log"] as const;
// A step that checked nothing (another tab or the nightly job holds the pass): wait before asking again.
const IDLE_STEP_DELAY_MS = 500;

function isFinding(item: unknown): item is ChainFinding {
  return typeof item === "object" && item !== null && "reason" in item;
}

/** Where a verification failed: the invoice and its position, else the chain position or log event. */
function FailurePlace({ kind, number, position }: { kind?: string; number?: string | null; position?: number | null }) {
  const { t } = useTranslation("health");
  if (number) return <>{t("chain.failedInvoice", { number, position })} — </>;
  if (position == null) return null;
  return <>{t(kind === "log" ? "chain.failedEvent" : "chain.failedPosition", { position })} — </>;
}

/** The invoice_chain check's findings as sentences: what failed where, or that the verification is overdue. */
export function InvoiceChainFindings({ sample }: { sample: unknown }) {
  const { t } = useTranslation("health");
  const findings = Array.isArray(sample) ? sample.filter(isFinding) : [];
  if (findings.length === 0) return null;
  return (
    <ul className="health-findings">
      {findings.map((f, i) => (
        <li key={i}>
          <strong>{t(`chain.kind.${f.kind === "log" ? "log" : "chain"}`)}</strong>
          {" : "}
          {f.reason?.startsWith("verification overdue") ? (
            t("chain.overdue")
          ) : (
            <>
              <FailurePlace kind={f.kind} number={f.number} position={f.seq} />
              <span lang="en">{f.reason}</span>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

function LastVerification({ kind, verification }: { kind: (typeof KINDS)[number]; verification: Verification | undefined }) {
  const { t } = useTranslation("health");
  const label = t(`chain.kind.${kind}`);
  if (!verification?.finished_at) {
    return (
      <li>
        <strong>{label}</strong> : {t("chain.never")}
      </li>
    );
  }
  const v = verification;
  return (
    <li data-testid={`chain-last-${kind}`}>
      <strong>{label}</strong> :{" "}
      {t("chain.last", { at: formatDateTime(new Date(v.finished_at!)), count: v.rows_checked, rows: formatNumber(v.rows_checked) })}{" "}
      {v.ok ? (
        <span className="health-ok">✓ {t("chain.passed")}</span>
      ) : (
        <>
          <span className="health-failing">✗ {t("chain.failed")}</span>{" "}
          <FailurePlace kind={kind} number={v.number} position={v.failed_at} />
          <span lang="en">{v.reason}</span>
        </>
      )}
    </li>
  );
}

export function InvoiceChainPanel({ onVerified }: { onVerified: () => Promise<void> | void }) {
  const { t } = useTranslation("health");
  const { supabase, org } = useOffice();
  const last = useQuery(async () => unwrap(await supabase.rpc("last_invoice_chain_verifications", { p_org_id: org.id })), [supabase, org.id]);
  const [progress, setProgress] = useState<{ checked: number; total: number } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  async function verifyNow() {
    setError(null);
    setProgress({ checked: 0, total: 0 });
    try {
      let checked = -1;
      for (;;) {
        const rows = unwrap(await supabase.rpc("run_invoice_chain_verification", { p_org_id: org.id }));
        const now = rows.reduce((sum, r) => sum + r.rows_checked, 0);
        setProgress({ checked: now, total: rows.reduce((sum, r) => sum + r.rows_total, 0) });
        if (rows.every((r) => r.done)) break;
        if (now === checked) await new Promise((resolve) => setTimeout(resolve, IDLE_STEP_DELAY_MS));
        checked = now;
      }
      await Promise.all([last.reload(), onVerified()]);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setProgress(null);
    }
  }

  const byKind = new Map((last.data ?? []).map((v) => [v.kind, v]));
  return (
    <section className="card" aria-labelledby="invoice-chain-title" data-testid="invoice-chain-panel">
      <h2 id="invoice-chain-title">{t("chain.title")}</h2>
      <p className="muted">{t("chain.intro")}</p>
      <ErrorMessage error={last.error} onRetry={() => void last.reload()} />
      {last.data ? (
        <ul className="health-findings">
          {KINDS.map((kind) => (
            <LastVerification key={kind} kind={kind} verification={byKind.get(kind)} />
          ))}
        </ul>
      ) : null}
      <p>
        <button type="button" className="button" onClick={() => void verifyNow()} disabled={progress !== null}>
          {t("chain.verifyNow")}
        </button>
      </p>
      {progress ? (
        <p role="status" data-testid="invoice-chain-progress">
          <progress max={Math.max(progress.total, 1)} value={progress.checked} aria-label={t("chain.progressLabel")} />{" "}
          {t("chain.progress", { checked: formatNumber(progress.checked), total: formatNumber(progress.total) })}
        </p>
      ) : null}
      <ErrorMessage error={error} />
    </section>
  );
}
