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
import { ConfirmAction, DataTable, ErrorMessage, FilterBar, formatDateTime, InlineSelect, namedChoices, NotFound, SelectField, unwrap, useQuery, type ApiError, type Column } from "../ui/index.ts";
import "./dispatch.css";
import "./i18n.ts";
import { useQueryParams } from "../ui/urlState.ts";

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

  const columns: Column<RequestRow>[] = [
    { key: "received", header: t("requests.received"), render: (row) => formatDateTime(row.created_at) },
    {
      key: "subject",
      header: t("requests.subject"),
      render: (row) => (
        <>
          <strong>{row.subject}</strong>
          {row.description ? <p className="pre-line muted">{row.description}</p> : null}
        </>
      ),
    },
    { key: "client", header: t("requests.client"), render: (row) => <Link href={`/office/clients/${row.client_id}`}>{row.clients?.name}</Link> },
    { key: "site", header: t("requests.site"), render: (row) => row.sites?.name ?? "—" },
    {
      key: "status",
      header: t("requests.status"),
      render: (row) => (
        <>
          {t(`requests.statuses.${row.status}`)}
          {row.decline_reason ? <p className="muted">{t("requests.reason", { reason: row.decline_reason })}</p> : null}
        </>
      ),
    },
    {
      key: "actions",
      header: t("requests.actions"),
      render: (row) =>
        row.status === "open" || row.status === "accepted" ? (
          <Decision
            row={row}
            onDone={async (text, missionId) => {
              setNotice({ text, ...(missionId ? { missionId } : {}) });
              await list.reload();
            }}
          />
        ) : null,
    },
  ];

  return (
    <Page title={t("requests.title")}>
      <FilterBar>
        <SelectField
          id="requests-show"
          label={t("requests.show")}
          value={filters.show}
          onChange={(show) => setFilters({ show })}
          placeholder={t("requests.open")}
          choices={[{ value: "all", label: t("requests.all") }]}
        />
      </FilterBar>
      <ErrorMessage error={list.error} onRetry={() => void list.reload()} />
      <p role="status" className="saved">
        {notice ? (
          <>
            {notice.text} {notice.missionId ? <Link href={`/office/missions/${notice.missionId}`}>{t("requests.openMission")}</Link> : null}
          </>
        ) : null}
      </p>
      <DataTable
        caption={t("requests.caption")}
        columns={columns}
        rows={list.data ?? []}
        rowKey={(row) => row.id}
        loading={list.loading}
        empty={t("requests.empty")}
        testId="requests-table"
        rowData={() => ({ "data-testid": "request-row" })}
      />
    </Page>
  );
}

function Decision({ row, onDone }: { row: RequestRow; onDone: (text: string, missionId?: string) => Promise<void> }) {
  const { t } = useTranslation("dispatch");
  const { supabase } = useOffice();
  const [site, setSite] = useState(row.site_id ?? "");
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

  // The reason is the client's to read; SQL refuses a decline without one, and the form stays open with it.
  async function decline(reason: string): Promise<boolean> {
    setError(null);
    const { error: rpcError } = await supabase.rpc("decline_client_request", { p_request_id: row.id, p_reason: reason });
    if (rpcError) {
      setError(rpcError);
      return false;
    }
    await onDone(t("requests.declined", { subject: row.subject }));
    return true;
  }

  return (
    <div className="row-moves">
      {!row.site_id && (
        <InlineSelect
          className="inline-select"
          label={t("requests.chooseSite", { subject: row.subject })}
          value={site}
          onChange={setSite}
          placeholder={t("requests.noSite")}
          choices={namedChoices(row.clients?.sites ?? [])}
        />
      )}
      <button type="button" className="button small" disabled={busy} onClick={() => void convert()}>
        {t("requests.convert")}
      </button>
      <ConfirmAction
        label={t("requests.decline")}
        reasonLabel={t("requests.declineReason", { subject: row.subject })}
        confirmLabel={t("requests.confirmDecline")}
        cancelLabel={t("requests.cancel")}
        onConfirm={decline}
      />
      <ErrorMessage error={error} />
    </div>
  );
}
