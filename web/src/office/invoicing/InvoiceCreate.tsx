/**
 * Invoice done missions: a client, its done missions (not invoiced yet: an
 * invoiced mission leaves "done"), a selection → bulk_invoice_missions, which
 * answers per mission (a refused mission never hides the others' drafts).
 */
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { Link } from "../../router.tsx";
import { useOffice } from "../context.tsx";
import { DataTable, ErrorMessage, formatDateTime, ItemResults, toApiError, unwrap, useQuery, type ApiError, type Column, type ItemResult } from "../ui/index.ts";

interface DoneMission {
  id: string;
  title: string;
  completed_at: string | null;
  sites: { name: string } | null;
}

interface BulkAnswer {
  results: Array<{ id: string; ok: boolean; error: string | null; code: string | null; invoice_id: string | null }>;
}

/** bulk_invoice_missions takes at most 50 missions: the list shows as many. */
const MAX_MISSIONS = 50;

export function InvoiceCreate({ base }: { base: string }) {
  const { t } = useTranslation("invoicing");
  const { supabase, org } = useOffice();
  const [clientId, setClientId] = useState("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [results, setResults] = useState<Array<ItemResult & { invoiceId: string | null }>>([]);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<ApiError | null>(null);

  const clients = useQuery(
    async () => unwrap(await supabase.from("clients").select("id, name").eq("org_id", org.id).order("name").limit(1000)),
    [supabase, org.id],
  );
  const clientName = clients.data?.find((c) => c.id === clientId)?.name ?? "";

  const missions = useQuery(async () => {
    if (!clientId) return [] as DoneMission[];
    // org_id and client_id together: the (org_id, client_id) index, whatever the organization's size.
    const rows = unwrap(
      await supabase
        .from("missions")
        .select("id, title, completed_at, sites(name)")
        .eq("org_id", org.id)
        .eq("client_id", clientId)
        .eq("status", "done")
        .order("completed_at", { ascending: false })
        .order("id")
        .limit(MAX_MISSIONS),
    );
    return rows as unknown as DoneMission[];
  }, [supabase, org.id, clientId]);

  function toggle(id: string) {
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const titles = new Map((missions.data ?? []).map((m) => [m.id, m.title]));
    const ids = [...selected];
    setBusy(true);
    setActionError(null);
    try {
      const answer = unwrap(await supabase.rpc("bulk_invoice_missions", { p_mission_ids: ids })) as unknown as BulkAnswer;
      setResults(
        answer.results.map((r) => ({ id: r.id, label: titles.get(r.id) ?? r.id, ok: r.ok, message: r.error, code: r.code, invoiceId: r.invoice_id })),
      );
      setSelected(new Set());
      await missions.reload();
    } catch (caught) {
      setActionError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  const columns: Column<DoneMission>[] = [
    {
      key: "select",
      header: t("create.select"),
      render: (row) => (
        <input
          type="checkbox"
          checked={selected.has(row.id)}
          onChange={() => toggle(row.id)}
          aria-label={t("create.selectMission", { title: row.title })}
        />
      ),
    },
    { key: "title", header: t("create.mission"), render: (row) => `${row.title}${row.sites ? ` — ${row.sites.name}` : ""}`, sortValue: (row) => row.title },
    { key: "completed", header: t("create.completed"), render: (row) => (row.completed_at ? formatDateTime(row.completed_at) : ""), sortValue: (row) => row.completed_at },
  ];

  return (
    <Page title={t("create.title")} actions={<Link href={base}>{t("create.back")}</Link>}>
      <p>{t("create.intro")}</p>
      <ErrorMessage error={clients.error} onRetry={clients.reload} />
      <div className="toolbar">
        <div className="field">
          <label htmlFor="create-client">{t("common.client")}</label>
          <select
            id="create-client"
            value={clientId}
            onChange={(event) => {
              setClientId(event.target.value);
              setSelected(new Set());
            }}
          >
            <option value="">{t("common.chooseClient")}</option>
            {(clients.data ?? []).map((client) => (
              <option key={client.id} value={client.id}>
                {client.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      {clientId && (
        <form onSubmit={submit}>
          <ErrorMessage error={missions.error} onRetry={missions.reload} />
          <DataTable
            caption={t("create.missionsCaption", { client: clientName })}
            columns={columns}
            rows={missions.data ?? []}
            rowKey={(row) => row.id}
            empty={t("create.none")}
          />
          <p>
            <button type="submit" className="button primary inline" disabled={busy || selected.size === 0}>
              {busy ? t("common.working") : t("create.submit", { count: selected.size })}
            </button>
          </p>
        </form>
      )}
      <ErrorMessage error={actionError} />
      <ItemResults results={results} title={t("create.results")} />
      {results.some((r) => r.invoiceId) && (
        <ul className="plain-list">
          {results
            .filter((r) => r.invoiceId)
            .map((r) => (
              <li key={r.id}>
                <Link href={`${base}/${r.invoiceId}`}>{t("create.openInvoice", { title: r.label })}</Link>
              </li>
            ))}
        </ul>
      )}
    </Page>
  );
}
