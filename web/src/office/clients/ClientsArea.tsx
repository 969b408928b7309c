/**
 * /office/clients: clients by name with a search (name, city, e-mail), one page
 * at a time (keyset on name, id); /office/clients/<id>: the client's details,
 * sites and recent missions. A client the database does not show is "not found".
 */
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { Link } from "../../router.tsx";
import { areasFor, type AreaProps } from "../areas.ts";
import { useOffice } from "../context.tsx";
import { DataTable, ErrorMessage, formatDateTime, NotFound, toApiError, unwrap, useQuery, type ApiError } from "../ui/index.ts";
import type { MissionStatus } from "../dispatch/board.ts";
import "../dispatch/i18n.ts";
import { useQueryParams, UUID } from "../ui/urlState.ts";
import "./i18n.ts";

const PAGE_SIZE = 50;

interface ClientRow {
  id: string;
  name: string;
  kind: string;
  billing_city: string | null;
  email: string | null;
  phone: string | null;
}

export default function ClientsArea({ path, base }: AreaProps) {
  if (path === "" || path === "/") return <ClientList base={base} />;
  const id = path.slice(1);
  if (UUID.test(id)) return <ClientDetail key={id} id={id.toLowerCase()} base={base} />;
  return <NotFound />;
}

/** A value inside a PostgREST or=() list: double-quoted, with quotes and backslashes escaped. */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function ClientList({ base }: { base: string }) {
  const { t } = useTranslation("clients");
  const { supabase, org } = useOffice();
  const [params, setParams] = useQueryParams(["q"] as const);
  const [search, setSearch] = useState(params.q);
  const [rows, setRows] = useState<ClientRow[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);

  async function load(after: ClientRow | null) {
    setLoading(true);
    try {
      let query = supabase.from("clients").select("id, name, kind, billing_city, email, phone").eq("org_id", org.id);
      const term = params.q.trim();
      if (term) {
        const like = quoted(`*${term}*`);
        query = query.or(`name.ilike.${like},billing_city.ilike.${like},email.ilike.${like}`);
      }
      if (after) query = query.or(`name.gt.${quoted(after.name)},and(name.eq.${quoted(after.name)},id.gt.${after.id})`);
      const page = unwrap(await query.order("name").order("id").limit(PAGE_SIZE + 1)) as ClientRow[];
      setRows((current) => [...(after ? current : []), ...page.slice(0, PAGE_SIZE)]);
      setMore(page.length > PAGE_SIZE);
      setError(null);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => {
    void load(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [supabase, org.id, params.q]);

  // The search runs when typing pauses, not on every key.
  useEffect(() => {
    const timer = window.setTimeout(() => {
      if (search !== params.q) setParams({ q: search });
    }, 300);
    return () => window.clearTimeout(timer);
  }, [search, params.q, setParams]);

  return (
    <Page title={t("list.title")}>
      <form role="search" className="toolbar" onSubmit={(event) => (event.preventDefault(), setParams({ q: search }))}>
        <div className="field">
          <label htmlFor="client-search">{t("list.search")}</label>
          <input id="client-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
      </form>
      <ErrorMessage error={error} onRetry={() => void load(null)} />
      <DataTable
        caption={t("list.caption")}
        rows={rows}
        rowKey={(c) => c.id}
        empty={loading ? t("office:common.loading") : t("list.empty")}
        columns={[
          { key: "name", header: t("list.name"), render: (c) => <Link href={`${base}/${c.id}`}>{c.name}</Link> },
          { key: "kind", header: t("list.kind"), render: (c) => t(`list.kinds.${c.kind}`, { defaultValue: c.kind }) },
          { key: "city", header: t("list.city"), render: (c) => c.billing_city ?? "" },
          { key: "email", header: t("list.email"), render: (c) => c.email ?? "" },
          { key: "phone", header: t("list.phone"), render: (c) => c.phone ?? "" },
        ]}
      />
      {more && (
        <button type="button" className="button inline" disabled={loading} onClick={() => void load(rows[rows.length - 1] ?? null)}>
          {t("list.more")}
        </button>
      )}
    </Page>
  );
}

interface ClientDetailRow extends ClientRow {
  siren: string | null;
  vat_number: string | null;
  billing_address: string | null;
  billing_postal_code: string | null;
  billing_country: string;
  payment_terms_days: number | null;
  notes: string | null;
  sites: { id: string; name: string; address: string; postal_code: string | null; city: string | null; access_notes: string | null }[];
}

function ClientDetail({ id, base }: { id: string; base: string }) {
  const { t } = useTranslation("clients");
  const { supabase, org, role } = useOffice();
  // The missions live in the missions area: a role without it (the accountant)
  // reads the client's missions here but gets no link to a screen it cannot open.
  const missionsArea = areasFor(role).some((area) => area.id === "missions");
  const client = useQuery(async () => {
    const [rows, missions] = await Promise.all([
      supabase
        .from("clients")
        .select(
          "id, name, kind, billing_city, email, phone, siren, vat_number, billing_address, billing_postal_code, billing_country, payment_terms_days, notes, sites(id, name, address, postal_code, city, access_notes)",
        )
        .eq("id", id)
        .eq("org_id", org.id)
        .limit(1)
        .then(unwrap),
      supabase
        .from("missions")
        .select("id, title, status, scheduled_start")
        .eq("org_id", org.id)
        .eq("client_id", id)
        .order("scheduled_start", { ascending: false, nullsFirst: false })
        .order("id", { ascending: false })
        .limit(20)
        .then(unwrap),
    ]);
    return {
      client: ((rows as unknown as ClientDetailRow[])[0] ?? null) as ClientDetailRow | null,
      missions: missions as { id: string; title: string; status: MissionStatus; scheduled_start: string | null }[],
    };
  }, [supabase, id, org.id]);

  if (client.loading && client.data === undefined) return <p className="muted">{t("office:common.loading")}</p>;
  if (client.error) return <ErrorMessage error={client.error} onRetry={() => void client.reload()} />;
  const c = client.data?.client;
  if (!c) return <NotFound />;

  return (
    <Page title={c.name} actions={<Link href={base}>{t("detail.back")}</Link>}>
      <section className="card" aria-labelledby="client-contact">
        <h2 id="client-contact">{t("detail.contact")}</h2>
        <dl className="facts">
          <dt>{t("list.kind")}</dt>
          <dd>{t(`list.kinds.${c.kind}`, { defaultValue: c.kind })}</dd>
          {c.email ? (
            <>
              <dt>{t("list.email")}</dt>
              <dd>
                <a href={`mailto:${c.email}`}>{c.email}</a>
              </dd>
            </>
          ) : null}
          {c.phone ? (
            <>
              <dt>{t("list.phone")}</dt>
              <dd>{c.phone}</dd>
            </>
          ) : null}
          <dt>{t("detail.billing")}</dt>
          <dd>{[c.billing_address, [c.billing_postal_code, c.billing_city].filter(Boolean).join(" "), c.billing_country].filter(Boolean).join(", ")}</dd>
          {c.siren ? (
            <>
              <dt>{t("detail.siren")}</dt>
              <dd>{c.siren}</dd>
            </>
          ) : c.kind !== "individual" ? (
            // Issuing refuses an invoice to a business without it (the rule is in SQL).
            <>
              <dt>{t("detail.siren")}</dt>
              <dd className="muted">{t("detail.sirenMissing")}</dd>
            </>
          ) : null}
          {c.vat_number ? (
            <>
              <dt>{t("detail.vat")}</dt>
              <dd>{c.vat_number}</dd>
            </>
          ) : null}
          {c.payment_terms_days !== null ? (
            <>
              <dt>{t("detail.paymentTerms")}</dt>
              <dd>{t("detail.days", { count: c.payment_terms_days })}</dd>
            </>
          ) : null}
          {c.notes ? (
            <>
              <dt>{t("detail.notes")}</dt>
              <dd className="pre-line">{c.notes}</dd>
            </>
          ) : null}
        </dl>
      </section>
      <DataTable
        caption={t("detail.sitesCaption")}
        rows={c.sites ?? []}
        rowKey={(s) => s.id}
        columns={[
          { key: "name", header: t("detail.site"), render: (s) => s.name },
          { key: "address", header: t("detail.address"), render: (s) => [s.address, [s.postal_code, s.city].filter(Boolean).join(" ")].filter(Boolean).join(", ") },
          { key: "access", header: t("detail.access"), render: (s) => s.access_notes ?? "" },
        ]}
      />
      <DataTable
        caption={t("detail.missionsCaption")}
        rows={client.data?.missions ?? []}
        rowKey={(m) => m.id}
        columns={[
          { key: "title", header: t("detail.mission"), render: (m) => (missionsArea ? <Link href={`/office/missions/${m.id}`}>{m.title}</Link> : m.title) },
          { key: "when", header: t("detail.scheduled"), render: (m) => (m.scheduled_start ? formatDateTime(m.scheduled_start) : t("detail.unscheduled")) },
          { key: "status", header: t("detail.status"), render: (m) => <span className={`chip status-${m.status}`}>{t(`dispatch:status.${m.status}`)}</span> },
        ]}
      />
      {missionsArea && <Link href={`/office/missions?status=all&client=${c.id}`}>{t("detail.allMissions")}</Link>}
    </Page>
  );
}
