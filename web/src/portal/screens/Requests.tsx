import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { DataTable, ErrorMessage, formatDateTime, toApiError, useQuery, type ApiError } from "../../office/ui/index.ts";
import { Link } from "../../router.tsx";
import { usePortal } from "../context.tsx";
import {
  createEmergency,
  createRequest,
  loadOrgPhone,
  loadRequests,
  loadSites,
  type EmergencySeverity,
  type EmergencyStatus,
  type Site,
} from "../data.ts";
import { Loading, StatusBadge } from "./shared.tsx";

const REQUEST_TONE: Record<string, "ok" | "info" | "muted"> = { open: "info", accepted: "ok", rejected: "muted", converted: "ok" };
const EMERGENCY_TONE: Record<EmergencyStatus, "ok" | "info" | "muted" | "alert"> = { pending: "alert", acknowledged: "info", dispatched: "ok", closed: "muted" };
const SEVERITIES: EmergencySeverity[] = ["low", "medium", "high", "critical"];

function siteName(sites: Site[] | undefined, id: string | null): string {
  return (id && sites?.find((site) => site.id === id)?.name) || "—";
}

export function RequestsScreen() {
  const { t } = useTranslation("portal");
  const portal = usePortal();
  const loaded = useQuery(() => loadRequests(portal), [portal]);
  const sites = useQuery(() => loadSites(portal), [portal]);
  return (
    <Page
      title={t("requests.title")}
      actions={
        <span className="page-actions">
          <Link className="button inline" href="/portal/requests/new">
            {t("nav.newRequest")}
          </Link>
          <Link className="button danger inline" href="/portal/emergency">
            {t("nav.emergency")}
          </Link>
        </span>
      }
    >
      <ErrorMessage error={loaded.error} onRetry={loaded.reload} />
      {loaded.data ? (
        <>
          <DataTable
            caption={t("requests.emergenciesCaption")}
            rows={loaded.data.emergencies}
            rowKey={(e) => e.id}
            columns={[
              { key: "created", header: t("requests.createdAt"), render: (e) => formatDateTime(e.created_at), sortValue: (e) => e.created_at },
              { key: "site", header: t("requests.site"), render: (e) => siteName(sites.data, e.site_id) },
              { key: "severity", header: t("requests.severity"), render: (e) => t(`requests.severityValue.${e.severity}`) },
              { key: "description", header: t("requests.description"), render: (e) => <span className="clamp">{e.description}</span> },
              {
                key: "status",
                header: t("requests.status"),
                render: (e) => <StatusBadge tone={EMERGENCY_TONE[e.status]}>{t(`requests.emergencyStatusValue.${e.status}`)}</StatusBadge>,
              },
            ]}
          />
          <DataTable
            caption={t("requests.requestsCaption")}
            rows={loaded.data.requests}
            rowKey={(r) => r.id}
            columns={[
              { key: "created", header: t("requests.createdAt"), render: (r) => formatDateTime(r.created_at), sortValue: (r) => r.created_at },
              { key: "subject", header: t("requests.subject"), render: (r) => r.subject, sortValue: (r) => r.subject },
              { key: "site", header: t("requests.site"), render: (r) => siteName(sites.data, r.site_id) },
              {
                key: "status",
                header: t("requests.status"),
                render: (r) => <StatusBadge tone={REQUEST_TONE[r.status] ?? "muted"}>{t(`requests.statusValue.${r.status}`, { defaultValue: r.status })}</StatusBadge>,
              },
            ]}
          />
        </>
      ) : (
        !loaded.error && <Loading />
      )}
    </Page>
  );
}

function SiteSelect({ label, anyLabel, value, onChange }: { label: string; anyLabel: string; value: string; onChange: (value: string) => void }) {
  const portal = usePortal();
  const sites = useQuery(() => loadSites(portal), [portal]);
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">{anyLabel}</option>
        {sites.data?.map((site) => (
          <option key={site.id} value={site.id}>
            {site.name}
          </option>
        ))}
      </select>
    </div>
  );
}

type Submission = { state: "editing" | "sending" } | { state: "sent"; label: string };

export function NewRequestScreen() {
  const { t } = useTranslation("portal");
  const portal = usePortal();
  const [siteId, setSiteId] = useState("");
  const [subject, setSubject] = useState("");
  const [description, setDescription] = useState("");
  const [submission, setSubmission] = useState<Submission>({ state: "editing" });
  const [error, setError] = useState<ApiError | null>(null);
  const ids = { subject: useId(), subjectHelp: useId(), description: useId(), descriptionHelp: useId() };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSubmission({ state: "sending" });
    setError(null);
    try {
      await createRequest(portal, { site_id: siteId || null, subject, description: description.trim() ? description : null });
      setSubmission({ state: "sent", label: subject.trim() });
      setSubject("");
      setDescription("");
      setSiteId("");
    } catch (caught) {
      setError(toApiError(caught));
      setSubmission({ state: "editing" });
    }
  }

  if (submission.state === "sent") {
    return (
      <Page title={t("newRequest.title")}>
        <p role="status" className="confirmation" data-testid="request-sent">
          {t("newRequest.sent", { subject: submission.label })}
        </p>
        <p className="link-row">
          <Link href="/portal/requests">{t("newRequest.seeAll")}</Link>
          <button type="button" className="button inline" onClick={() => setSubmission({ state: "editing" })}>
            {t("newRequest.another")}
          </button>
        </p>
      </Page>
    );
  }

  return (
    <Page title={t("newRequest.title")}>
      <p>{t("newRequest.intro")}</p>
      <form className="portal-form" onSubmit={(event) => void submit(event)}>
        <SiteSelect label={t("newRequest.site")} anyLabel={t("newRequest.anySite")} value={siteId} onChange={setSiteId} />
        <div className="field">
          <label htmlFor={ids.subject}>{t("newRequest.subject")}</label>
          <input
            id={ids.subject}
            value={subject}
            onChange={(event) => setSubject(event.target.value)}
            required
            maxLength={200}
            pattern=".*\S.*"
            aria-describedby={ids.subjectHelp}
          />
          <small id={ids.subjectHelp} className="muted">
            {t("newRequest.subjectHelp")}
          </small>
        </div>
        <div className="field">
          <label htmlFor={ids.description}>{t("newRequest.description")}</label>
          <textarea
            id={ids.description}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
            rows={6}
            maxLength={10000}
            aria-describedby={ids.descriptionHelp}
          />
          <small id={ids.descriptionHelp} className="muted">
            {t("newRequest.descriptionHelp")}
          </small>
        </div>
        <ErrorMessage error={error} />
        <button type="submit" className="button primary inline" disabled={submission.state === "sending"}>
          {submission.state === "sending" ? t("newRequest.sending") : t("newRequest.submit")}
        </button>
      </form>
    </Page>
  );
}

export function EmergencyScreen() {
  const { t } = useTranslation("portal");
  const portal = usePortal();
  const phone = useQuery(() => loadOrgPhone(portal), [portal]);
  const [siteId, setSiteId] = useState("");
  const [severity, setSeverity] = useState<EmergencySeverity>("high");
  const [description, setDescription] = useState("");
  const [submission, setSubmission] = useState<Submission>({ state: "editing" });
  const [error, setError] = useState<ApiError | null>(null);
  const ids = { severity: useId(), description: useId() };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSubmission({ state: "sending" });
    setError(null);
    try {
      await createEmergency(portal, { site_id: siteId || null, severity, description });
      setSubmission({ state: "sent", label: "" });
    } catch (caught) {
      setError(toApiError(caught));
      setSubmission({ state: "editing" });
    }
  }

  const callUs = (
    <div className="callout" role="note">
      <p>{t("emergency.call")}</p>
      {phone.data && <p>{t("emergency.callOrg", { org: portal.org.name, phone: phone.data })}</p>}
    </div>
  );

  if (submission.state === "sent") {
    return (
      <Page title={t("emergency.title")}>
        <p role="status" className="confirmation" data-testid="emergency-sent">
          {t("emergency.sent")}
        </p>
        {callUs}
        <p>
          <Link href="/portal/requests">{t("emergency.seeAll")}</Link>
        </p>
      </Page>
    );
  }

  return (
    <Page title={t("emergency.title")}>
      <p>{t("emergency.intro")}</p>
      {callUs}
      <form className="portal-form" onSubmit={(event) => void submit(event)}>
        <SiteSelect label={t("emergency.site")} anyLabel={t("emergency.anySite")} value={siteId} onChange={setSiteId} />
        <div className="field">
          <label htmlFor={ids.severity}>{t("emergency.severity")}</label>
          <select id={ids.severity} value={severity} onChange={(event) => setSeverity(event.target.value as EmergencySeverity)}>
            {SEVERITIES.map((value) => (
              <option key={value} value={value}>
                {t(`requests.severityValue.${value}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.description}>{t("emergency.description")}</label>
          <textarea id={ids.description} value={description} onChange={(event) => setDescription(event.target.value)} rows={6} required maxLength={10000} />
        </div>
        <ErrorMessage error={error} />
        <button type="submit" className="button danger inline" disabled={submission.state === "sending"}>
          {submission.state === "sending" ? t("emergency.sending") : t("emergency.submit")}
        </button>
      </form>
    </Page>
  );
}
