import { useTranslation } from "react-i18next";

export function Loading() {
  const { t } = useTranslation("portal");
  return (
    <p className="muted" role="status">
      {t("common.loading")}
    </p>
  );
}

/** A status as words (never colour alone); the class only adds a tint. */
export function StatusBadge({ tone, children }: { tone: "ok" | "warn" | "info" | "muted" | "alert"; children: string }) {
  return <span className={`status-pill status-${tone}`}>{children}</span>;
}
