/**
 * /office/emergencies: pending and acknowledged emergencies, oldest first.
 * One move turns an emergency into an urgent mission (assigned at once when a
 * technician is chosen) and marks it dispatched: public.dispatch_emergency.
 */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { Link } from "../../router.tsx";
import type { Database } from "../../../../types/database.ts";
import type { AreaProps } from "../areas.ts";
import { useOffice } from "../context.tsx";
import { DataTable, ErrorMessage, formatDateTime, InlineSelect, namedChoices, NotFound, unwrap, useQuery, type ApiError, type Column } from "../ui/index.ts";
import "./dispatch.css";
import "./i18n.ts";
import { loadTechnicians, type Person } from "./people.ts";

type Severity = Database["public"]["Enums"]["emergency_severity"];
type EmergencyStatus = Database["public"]["Enums"]["emergency_status"];

interface EmergencyRow {
  id: string;
  created_at: string;
  severity: Severity;
  description: string;
  status: EmergencyStatus;
  source: string;
  client_id: string;
  site_id: string | null;
  clients: { name: string; sites: { id: string; name: string }[] } | null;
  sites: { name: string; city: string | null } | null;
}

export default function EmergenciesArea({ path }: AreaProps) {
  const { t } = useTranslation("dispatch");
  const { supabase, org } = useOffice();
  const [dispatched, setDispatched] = useState<{ when: string; missionId?: string } | null>(null);

  const queue = useQuery(async () => {
    const [rows, technicians] = await Promise.all([
      supabase
        .from("emergency_requests")
        .select("id, created_at, severity, description, status, source, client_id, site_id, clients(name, sites(id, name)), sites(name, city)")
        .eq("org_id", org.id)
        .in("status", ["pending", "acknowledged"])
        .order("created_at")
        .limit(200)
        .then(unwrap),
      loadTechnicians(supabase, org.id),
    ]);
    return { rows: rows as unknown as EmergencyRow[], technicians };
  }, [supabase, org.id]);

  if (path !== "" && path !== "/") return <NotFound />;

  const columns: Column<EmergencyRow>[] = [
    { key: "received", header: t("emergencies.received"), render: (row) => formatDateTime(row.created_at) },
    {
      key: "severity",
      header: t("emergencies.severity"),
      render: (row) => <strong className={`severity-${row.severity}`}>{t(`emergencies.severities.${row.severity}`)}</strong>,
    },
    { key: "client", header: t("emergencies.client"), render: (row) => <Link href={`/office/clients/${row.client_id}`}>{row.clients?.name}</Link> },
    { key: "site", header: t("emergencies.site"), render: (row) => (row.sites ? row.sites.name : <span className="muted">{t("emergencies.noSite")}</span>) },
    { key: "description", header: t("emergencies.description"), className: "pre-line", render: (row) => row.description },
    { key: "status", header: t("emergencies.status"), render: (row) => t(`emergencies.statuses.${row.status}`) },
    {
      key: "actions",
      header: t("emergencies.actions"),
      render: (row) => (
        <DispatchForm
          row={row}
          technicians={queue.data?.technicians ?? []}
          onDone={async (missionId) => {
            setDispatched({ when: formatDateTime(row.created_at), ...(missionId ? { missionId } : {}) });
            await queue.reload();
          }}
        />
      ),
    },
  ];

  return (
    <Page
      title={t("emergencies.title")}
      actions={
        <button type="button" className="button inline" onClick={() => void queue.reload()}>
          {t("board.refresh")}
        </button>
      }
    >
      <ErrorMessage error={queue.error} onRetry={() => void queue.reload()} />
      <p role="status" className="saved">
        {dispatched ? (
          <>
            {dispatched.missionId ? (
              <>
                {t("emergencies.dispatched", { when: dispatched.when })} <Link href={`/office/missions/${dispatched.missionId}`}>{t("emergencies.openMission")}</Link>
              </>
            ) : (
              t("emergencies.acknowledged", { when: dispatched.when })
            )}
          </>
        ) : null}
      </p>
      <DataTable
        caption={t("emergencies.caption")}
        columns={columns}
        rows={queue.data?.rows ?? []}
        rowKey={(row) => row.id}
        loading={queue.loading}
        empty={t("emergencies.empty")}
        testId="emergency-queue"
        rowData={() => ({ "data-testid": "emergency-row" })}
      />
    </Page>
  );
}

function DispatchForm({ row, technicians, onDone }: { row: EmergencyRow; technicians: Person[]; onDone: (missionId?: string) => Promise<void> }) {
  const { t } = useTranslation("dispatch");
  const { supabase } = useOffice();
  const [site, setSite] = useState(row.site_id ?? "");
  const [technician, setTechnician] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const when = formatDateTime(row.created_at);

  async function dispatch() {
    setBusy(true);
    setError(null);
    const { data, error: rpcError } = await supabase.rpc("dispatch_emergency", {
      p_emergency_id: row.id,
      ...(technician ? { p_technician_id: technician } : {}),
      ...(site && site !== row.site_id ? { p_site_id: site } : {}),
    });
    setBusy(false);
    if (rpcError) {
      setError(rpcError);
      return;
    }
    await onDone((data as { mission_id: string }).mission_id);
  }

  // Taking an emergency on (pending → acknowledged, stamped by the status trigger) tells the
  // others someone is on it, before a mission exists.
  async function acknowledge() {
    setBusy(true);
    setError(null);
    const { error: updateError } = await supabase.from("emergency_requests").update({ status: "acknowledged" }).eq("id", row.id);
    setBusy(false);
    if (updateError) return setError(updateError);
    await onDone();
  }

  return (
    <div className="row-moves">
      {row.status === "pending" && (
        <button type="button" className="button small" disabled={busy} onClick={() => void acknowledge()}>
          {t("emergencies.acknowledge")}
        </button>
      )}
      {!row.site_id && (
        <InlineSelect
          className="inline-select"
          label={t("emergencies.chooseSite", { when })}
          value={site}
          onChange={setSite}
          placeholder={t("requests.noSite")}
          choices={namedChoices(row.clients?.sites ?? [])}
        />
      )}
      <InlineSelect
        className="inline-select"
        label={t("emergencies.technician", { when })}
        value={technician}
        onChange={setTechnician}
        placeholder={t("emergencies.publishOnly")}
        choices={namedChoices(technicians)}
      />
      <button type="button" className="button small" disabled={busy} onClick={() => void dispatch()}>
        {t("emergencies.dispatch")}
      </button>
      <ErrorMessage error={error} />
    </div>
  );
}
