import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { ErrorMessage, useQuery } from "../../office/ui/index.ts";
import { Link } from "../../router.tsx";
import { usePortal } from "../context.tsx";
import { loadInvoices, loadMissions, loadRequests, paymentState } from "../data.ts";
import { InvoiceTable } from "./Invoices.tsx";
import { MissionTable } from "./Missions.tsx";
import { Loading } from "./shared.tsx";

const UPCOMING = new Set(["new", "published", "assigned", "in_progress", "blocked"]);

/** What a client opens the portal for: what is coming, what to pay, what they asked. */
export function HomeScreen() {
  const { t } = useTranslation("portal");
  const portal = usePortal();
  const missions = useQuery(() => loadMissions(portal.supabase), [portal]);
  const invoices = useQuery(() => loadInvoices(portal), [portal]);
  const requests = useQuery(() => loadRequests(portal), [portal]);
  const upcoming = missions.data?.filter((m) => UPCOMING.has(m.status)).slice(0, 5);
  const toPay = invoices.data?.filter((invoice) => ["due", "partially_paid"].includes(paymentState(invoice)));
  const openRequests = (requests.data?.requests.filter((r) => r.status === "open").length ?? 0) + (requests.data?.emergencies.filter((e) => e.status !== "closed").length ?? 0);

  return (
    <Page title={t("home.title")}>
      <p>{t("home.intro", { org: portal.org.name })}</p>
      <nav aria-label={t("home.actions")} className="portal-actions">
        <Link className="button inline" href="/portal/requests/new">
          {t("nav.newRequest")}
        </Link>
        <Link className="button danger inline" href="/portal/emergency">
          {t("nav.emergency")}
        </Link>
      </nav>

      <section aria-labelledby="home-upcoming">
        <h2 id="home-upcoming">{t("home.upcoming")}</h2>
        <ErrorMessage error={missions.error} onRetry={missions.reload} />
        {upcoming ? upcoming.length ? <MissionTable missions={upcoming} /> : <p className="muted">{t("home.noUpcoming")}</p> : !missions.error && <Loading />}
      </section>

      <section aria-labelledby="home-to-pay">
        <h2 id="home-to-pay">{t("home.toPay")}</h2>
        <ErrorMessage error={invoices.error} onRetry={invoices.reload} />
        {toPay ? toPay.length ? <InvoiceTable invoices={toPay} /> : <p className="muted">{t("home.nothingToPay")}</p> : !invoices.error && <Loading />}
      </section>

      <section aria-labelledby="home-requests">
        <h2 id="home-requests">{t("home.openRequests")}</h2>
        <ErrorMessage error={requests.error} onRetry={requests.reload} />
        {requests.data ? (
          openRequests ? (
            <p>
              <Link href="/portal/requests">
                {t("nav.requests")} ({openRequests})
              </Link>
            </p>
          ) : (
            <p className="muted">{t("home.noOpenRequests")}</p>
          )
        ) : (
          !requests.error && <Loading />
        )}
      </section>
    </Page>
  );
}
