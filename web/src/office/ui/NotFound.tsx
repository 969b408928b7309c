import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { Link } from "../../router.tsx";

/**
 * An unknown path, or a row the database does not show this person: the same page,
 * so a URL reveals nothing about what exists in another organization or client.
 */
export function NotFound({ home = "/office" }: { home?: string }) {
  const { t } = useTranslation("office");
  return (
    <Page title={t("notFound.title")}>
      <p data-testid="not-found">{t("notFound.body")}</p>
      <Link href={home}>{t("notFound.home")}</Link>
    </Page>
  );
}
