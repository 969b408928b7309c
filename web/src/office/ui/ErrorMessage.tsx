import { useTranslation } from "react-i18next";
import { localizeApiError } from "../../i18n/apiErrors.ts";
import type { ApiError } from "./useQuery.ts";

/**
 * An error as the database or a function refused it, in the user's language:
 * the catalogue's message (docs/errors.md) in English, its translation in
 * French (by message, else by code with the catalogue's words beside it), the
 * catalogue's message where there is none (web/src/i18n/apiErrors.ts). The
 * code stays on the element for support and tests.
 */
export function ErrorMessage({ error, onRetry }: { error: ApiError | null; onRetry?: () => void }) {
  const { t, i18n } = useTranslation("office");
  if (!error) return null;
  const shown = error.message || error.code ? localizeApiError(error, i18n.language) : { message: t("common.error") };
  return (
    <div role="alert" className="error-box">
      <p className="error-message" data-error-code={error.code ?? undefined}>
        {shown.message}
      </p>
      {shown.original ? (
        <p className="error-original muted small" lang="en">
          {shown.original}
        </p>
      ) : null}
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}
