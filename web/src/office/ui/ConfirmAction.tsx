/**
 * An action asked twice: the button opens an inline confirmation (a named
 * group: the question, confirm, cancel) instead of acting at once; with
 * `reason`, the confirmation holds a text field whose content goes with the
 * action (the database decides whether one is required and says so).
 */
import { useId, useState } from "react";
import "./confirm.css";

export function ConfirmAction({
  label,
  subject,
  question,
  confirmLabel,
  cancelLabel,
  reasonLabel,
  onConfirm,
}: {
  /** The first button's text. */
  label: string;
  /** What it acts on, read after the label by screen readers ("Remove · Alice"). */
  subject?: string;
  /** The confirmation's question, shown and naming its group. */
  question?: string;
  confirmLabel: string;
  cancelLabel: string;
  /** Asks for a reason in the confirmation, under this label. */
  reasonLabel?: string;
  /** Resolves once done; `false` keeps the confirmation open (a refusal shown beside it, the reason kept). */
  onConfirm: (reason: string) => Promise<boolean | void> | void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const reasonId = useId();

  async function confirm() {
    setBusy(true);
    try {
      const keepOpen = (await onConfirm(reason)) === false;
      if (!keepOpen) setConfirming(false);
    } finally {
      setBusy(false);
    }
  }

  if (!confirming) {
    return (
      <button type="button" className="button small" onClick={() => setConfirming(true)}>
        {label}
        {subject ? <span className="visually-hidden"> · {subject}</span> : null}
      </button>
    );
  }
  return (
    <div className="confirm" {...(question ? { role: "group", "aria-label": question } : {})}>
      {question ? <span>{question}</span> : null}
      {reasonLabel !== undefined && (
        <div className="field">
          <label htmlFor={reasonId}>{reasonLabel}</label>
          <textarea id={reasonId} value={reason} onChange={(event) => setReason(event.target.value)} maxLength={2000} />
        </div>
      )}
      <button type="button" className="button small danger" onClick={() => void confirm()} disabled={busy}>
        {confirmLabel}
      </button>
      <button type="button" className="button small" onClick={() => setConfirming(false)} disabled={busy}>
        {cancelLabel}
      </button>
    </div>
  );
}
