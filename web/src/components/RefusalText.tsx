import { useTranslation } from "react-i18next";
import { localizeApiError, type RefusalLike } from "../i18n/apiErrors.ts";

/**
 * A refusal inside a line of text (an offline action the server refused, one
 * item of a bulk action), in the user's language through the same translation
 * as ErrorMessage (web/src/i18n/apiErrors.ts): the catalogue's words in
 * English, their translation in French, with the catalogue's English kept
 * beside a translation that only names the kind of refusal. `format` wraps the
 * words in the screen's own sentence ("Motif : …"). The code stays on the
 * element for support and tests.
 */
export function RefusalText({ refusal, format, className }: { refusal: RefusalLike; format?: (message: string) => string; className?: string }) {
  const { i18n } = useTranslation();
  const shown = localizeApiError(refusal, i18n.language);
  return (
    <span className={className} data-error-code={refusal.code || undefined}>
      {format ? format(shown.message) : shown.message}
      {shown.original ? (
        <>
          {" "}
          <span className="refusal-original" lang="en">
            ({shown.original})
          </span>
        </>
      ) : null}
    </span>
  );
}
