import { useTranslation } from "react-i18next";
import { RefusalText } from "../../components/RefusalText.tsx";

export interface ItemResult {
  id: string;
  /** What the person recognizes the item by (a mission title, a technician and a day). */
  label: string;
  ok: boolean;
  /** The database's reason when refused (the catalogue's English words) … */
  message?: string | null;
  /** … and its catalogue code, by which the reason is shown in the user's language. */
  code?: string | null;
}

/** The outcome of a bulk action, one line per item: a refusal never hides the others' success. */
export function ItemResults({ results, title }: { results: ItemResult[]; title?: string }) {
  const { t } = useTranslation("office");
  if (results.length === 0) return null;
  const ok = results.filter((r) => r.ok).length;
  return (
    <section className="item-results" aria-live="polite">
      {title && <h2>{title}</h2>}
      <p data-testid="item-results-summary">{t("results.summary", { ok, count: results.length })}</p>
      <ul>
        {results.map((result) => (
          <li key={result.id} className={result.ok ? "result-ok" : "result-failed"} data-testid="item-result">
            <strong>{result.ok ? t("results.ok") : t("results.failed")}</strong> · {result.label}
            {result.message ? (
              <>
                {" — "}
                <RefusalText refusal={{ message: result.message, code: result.code ?? undefined }} />
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
