/**
 * /office/requests: the clients' requests (open ones first by default). Each
 * open request is turned into a mission (public.convert_client_request) or
 * declined with the reason the client reads (public.decline_client_request).
 */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { Link } from "../../router.tsx";
import type { AreaProps } from "../areas.ts";
import { useOffice } from "../context.tsx";
import { ErrorMessage, formatDateTime, NotFound, unwrap, useQuery, type ApiError } from "../ui/index.ts";
import "./dispatch.css";
import "./i18n.ts";
import { useQueryParams } from "./urlState.ts";

interface RequestRow {
  id: string;
  created_at: string;
  subject: string;
  description: string | null;
  status: "open" | "accepted" | "rejected" | "converted";
  decline_reason: string | null;
  client_id: string;
  site_id: string | null;
  clients: { name: string; sites: { id: string; name: string }[] } | null;
  sites: { name: string } | null;
}

const FILTERS = ["show"] as const;

export default function RequestsArea({ path }: AreaProps) {
  const { t } = useTranslation("dispatch");
  const { supabase, org } = useOffice();
  const [filters, setFilters] = useQueryParams(FILTERS);
  const [notice, setNotice] = useState<{ text: string; missionId?: string } | null>(null);
  const showAll = filters.show === "all";

  const list = useQuery(async () => {
    let query = supabase
      .from("client_requests")
      .select("id, created_at, subject, description, status, decline_reason, client_id, site_id, clients(name, sites(id, name)), sites(name)")
      .eq("org_id", org.id);
    if (!showAll) query = query.in("status", ["open", "accepted"]);
    return (unwrap(await query.order("created_at", { ascending: !showAll }).limit(200)) as unknown as RequestRow[]) ?? [];
  }, [supabase, org.id, showAll]);

  if (path !== "" && path !== "/") return <NotFound />;
  const rows = list.data ?? [];

  return (
    <Page title={t("requests.title")}>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="requests-show">{t("requests.show")}</label>
          <select id="requests-show" value={filters.show} onChange={(e) => setFilters({ show: e.target.value })}>
            <option value="">{t("requests.open")}</option>
            <option value="all">{t("requests.all")}</option>
          </select>
        </div>
      </div>
      <ErrorMessage error={list.error} onRetry={() => void list.reload()} />
      <p role="status" className="saved">
        {notice ? (
          <>
            {notice.text} {notice.missionId ? <Link href={`/office/missions/${notice.missionId}`}>{t("requests.openMission")}</Link> : null}
          </>
        ) : null}
      </p>
      <div className="table-wrap">
        <table className="data-table" data-testid="requests-table">
          <caption>{t("requests.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("requests.received")}</th>
              <th scope="col">{t("requests.subject")}</th>
              <th scope="col">{t("requests.client")}</th>
              <th scope="col">{t("requests.site")}</th>
              <th scope="col">{t("requests.status")}</th>
              <th scope="col">{t("requests.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && !list.loading ? (
              <tr>
                <td colSpan={6} className="muted">
                  {t("requests.empty")}
                </td>
              </tr>
            ) : (
              rows.map((row) => (
                <tr key={row.id} data-testid="request-row">
                  <td>{formatDateTime(row.created_at)}</td>
                  <td>
                    <strong>{row.subject}</strong>
                    {row.description ? <p className="pre-line muted">{row.description}</p> : null}
                  </td>
                  <td>
                    <Link href={`/office/clients/${row.client_id}`}>{row.clients?.name}</Link>
                  </td>
                  <td>{row.sites?.name ?? "—"}</td>
                  <td>
                    {t(`requests.statuses.${row.status}`)}
                    {row.decline_reason ? <p className="muted">{t("requests.reason", { reason: row.decline_reason })}</p> : null}
                  </td>
                  <td>
                    {row.status === "open" || row.status === "accepted" ? (
                      <Decision
                        row={row}
                        onDone={async (text, missionId) => {
                          setNotice({ text, ...(missionId ? { missionId } : {}) });
                          await list.reload();
                        }}
                      />
                    ) : null}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </Page>
  );
}

function Decision({ row, onDone }: { row: RequestRow; onDone: (text: string, missionId?: string) => Promise<void> }) {
  const { t } = useTranslation("dispatch");
  const { supabase } = useOffice();
  const [site, setSite] = useState(row.site_id ?? "");
  const [declining, setDeclining] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function convert() {
    setBusy(true);
    setError(null);
    const { data, error: rpcError } = await supabase.rpc("convert_client_request", {
      p_request_id: row.id,
      ...(site && site !== row.site_id ? { p_site_id: site } : {}),
    });
    setBusy(false);
    if (rpcError) return setError(rpcError);
    await onDone(t("requests.converted", { subject: row.subject }), (data as { mission_id: string }).mission_id);
  }

  async function decline() {
    setBusy(true);
    setError(null);
    const { error: rpcError } = await supabase.rpc("decline_client_request", { p_request_id: row.id, p_reason: reason });
    setBusy(false);
    if (rpcError) return setError(rpcError);
    await onDone(t("requests.declined", { subject: row.subject }));
  }

  return (
    <div className="row-moves">
      {declining ? (
        <>
          <div className="field">
            <label htmlFor={`decline-${row.id}`}>{t("requests.declineReason", { subject: row.subject })}</label>
            <textarea id={`decline-${row.id}`} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
          </div>
          <button type="button" className="button small" disabled={busy} onClick={() => void decline()}>
            {t("requests.confirmDecline")}
          </button>
          <button type="button" className="button small" onClick={() => setDeclining(false)}>
            {t("requests.cancel")}
          </button>
        </>
      ) : (
        <>
          {!row.site_id && (
            <select className="inline-select" aria-label={t("requests.chooseSite", { subject: row.subject })} value={site} onChange={(e) => setSite(e.target.value)}>
              <option value="">{t("requests.noSite")}</option>
              {(row.clients?.sites ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          )}
          <button type="button" className="button small" disabled={busy} onClick={() => void convert()}>
            {t("requests.convert")}
          </button>
          <button type="button" className="button small" onClick={() => setDeclining(true)}>
            {t("requests.decline")}
          </button>
        </>
      )}
      <ErrorMessage error={error} />
    </div>
  );
}
