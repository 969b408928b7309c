import { useTranslation } from "react-i18next";
import type { ApiError } from "./useQuery.ts";

/**
 * An error as the database or a function worded it: the catalogue's messages are
 * written for people (docs/errors.md), so they are shown as they are.
 */
export function ErrorMessage({ error, onRetry }: { error: ApiError | null; onRetry?: () => void }) {
  const { t } = useTranslation("office");
  if (!error) return null;
  return (
    <div role="alert" className="error-box">
      <p className="error-message">{error.message || t("common.error")}</p>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}
