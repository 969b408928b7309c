/**
 * Rules on external events (owner, admin): the list with enable/disable, and
 * an editor whose condition is checked by SQL as the user types
 * (check_rule_condition answers the exact words a save would raise). Saving
 * goes through create_rule or an update of the rules table under RLS; the
 * rules_validate trigger has the last word either way.
 */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { Link, navigate } from "../../router.tsx";
import type { Database, Json } from "../../../../types/database.ts";
import type { AreaProps } from "../areas.ts";
import { useOffice } from "../context.tsx";
import { DataTable, ErrorMessage, NotFound, toApiError, unwrap, useQuery, type ApiError, type Column } from "../ui/index.ts";
import "../ui/admin-forms.css";
import "./i18n.ts";
import "./rules.css";

type Rule = Database["public"]["Tables"]["rules"]["Row"];
type Severity = Database["public"]["Enums"]["emergency_severity"];
const ACTIONS = ["create_emergency", "create_client_request", "notify_roles"] as const;
const SEVERITIES: Severity[] = ["low", "medium", "high", "critical"];
const NOTIFIABLE_ROLES = ["owner", "admin", "dispatcher", "technician", "accountant"] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How long typing pauses before the condition is sent to SQL. */
const CHECK_DELAY_MS = 250;

export default function RulesArea({ path, base }: AreaProps) {
  if (path === "" || path === "/") return <RulesList base={base} />;
  if (path === "/new") return <RuleEditor base={base} rule={null} />;
  const id = path.slice(1);
  if (!UUID.test(id)) return <NotFound />;
  return <ExistingRule base={base} id={id} />;
}

function RulesList({ base }: { base: string }) {
  const { t } = useTranslation("rules");
  const { supabase, org } = useOffice();
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const rules = useQuery(
    async () => unwrap(await supabase.from("rules").select("*").eq("org_id", org.id).order("name")),
    [supabase, org.id],
  );

  async function toggle(rule: Rule) {
    setNotice(null);
    setActionError(null);
    try {
      const rows = unwrap(await supabase.from("rules").update({ enabled: !rule.enabled }).eq("id", rule.id).select("id"));
      if (rows.length === 0) throw { message: t("office:notFound.body") };
      setNotice(t(rule.enabled ? "nowDisabled" : "nowEnabled", { name: rule.name }));
    } catch (error) {
      setActionError(toApiError(error));
    } finally {
      void rules.reload();
    }
  }

  const columns: Column<Rule>[] = [
    { key: "name", header: t("columns.name"), render: (r) => <Link href={`${base}/${r.id}`}>{r.name}</Link>, sortValue: (r) => r.name },
    { key: "eventType", header: t("columns.eventType"), render: (r) => <code>{r.event_type}</code>, sortValue: (r) => r.event_type },
    { key: "condition", header: t("columns.condition"), render: (r) => <code className="rule-condition">{r.condition}</code> },
    { key: "action", header: t("columns.action"), render: (r) => t(`action.${r.action}`, { defaultValue: r.action }) },
    {
      key: "state",
      header: t("columns.state"),
      render: (r) => <span className={`chip ${r.enabled ? "rule-on" : "rule-off"}`}>{r.enabled ? t("enabled") : t("disabled")}</span>,
      sortValue: (r) => (r.enabled ? 0 : 1),
    },
    {
      key: "actions",
      header: t("columns.actions"),
      render: (r) => (
        <button type="button" className="button small" onClick={() => void toggle(r)}>
          {r.enabled ? t("disable") : t("enable")}
          <span className="visually-hidden"> · {r.name}</span>
        </button>
      ),
    },
  ];

  return (
    <Page
      title={t("title")}
      actions={
        <Link className="button inline" href={`${base}/new`}>
          {t("create")}
        </Link>
      }
    >
      <p className="muted">{t("intro")}</p>
      <p role="status" className="saved">
        {notice ?? ""}
      </p>
      <ErrorMessage error={actionError} />
      {rules.error ? <ErrorMessage error={rules.error} onRetry={() => void rules.reload()} /> : null}
      {rules.data ? (
        <DataTable caption={t("caption")} columns={columns} rows={rules.data} rowKey={(r) => r.id} />
      ) : (
        !rules.error && <p className="muted">{t("office:common.loading")}</p>
      )}
    </Page>
  );
}

function ExistingRule({ base, id }: { base: string; id: string }) {
  const { t } = useTranslation("rules");
  const { supabase, org } = useOffice();
  const rule = useQuery(
    async () => unwrap(await supabase.from("rules").select("*").eq("org_id", org.id).eq("id", id).maybeSingle()),
    [supabase, org.id, id],
  );
  if (rule.error) return <ErrorMessage error={rule.error} onRetry={() => void rule.reload()} />;
  if (rule.loading && rule.data === undefined) return <p className="muted">{t("office:common.loading")}</p>;
  // RLS answers nothing for a rule of another organization: not found, not an error.
  if (!rule.data) return <NotFound />;
  return <RuleEditor base={base} rule={rule.data} />;
}

type ConditionCheck = { state: "idle" | "checking" } | { state: "valid" } | { state: "invalid"; message: string } | { state: "failed"; error: ApiError };

/** Asks SQL about the condition once typing pauses; a late answer for an older text is dropped. */
function useConditionCheck(condition: string): ConditionCheck {
  const { supabase } = useOffice();
  const [check, setCheck] = useState<ConditionCheck>({ state: "idle" });
  const generation = useRef(0);
  useEffect(() => {
    const mine = ++generation.current;
    if (condition === "") {
      setCheck({ state: "idle" });
      return;
    }
    setCheck({ state: "checking" });
    const timer = window.setTimeout(() => {
      void supabase.rpc("check_rule_condition", { p_condition: condition }).then(({ data, error }) => {
        if (mine !== generation.current) return;
        if (error) return setCheck({ state: "failed", error: toApiError(error) });
        const answer = data as { valid: boolean; message: string | null };
        setCheck(answer.valid ? { state: "valid" } : { state: "invalid", message: answer.message ?? "" });
      });
    }, CHECK_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [supabase, condition]);
  return check;
}

function RuleEditor({ base, rule }: { base: string; rule: Rule | null }) {
  const { t } = useTranslation("rules");
  const { supabase, org } = useOffice();
  const params = (rule?.action_params ?? {}) as { client_id?: string; roles?: string[]; title?: string };
  const [name, setName] = useState(rule?.name ?? "");
  const [eventType, setEventType] = useState(rule?.event_type ?? "");
  const [condition, setCondition] = useState(rule?.condition ?? "");
  const [action, setAction] = useState<string>(rule?.action ?? "create_emergency");
  const [clientId, setClientId] = useState(params.client_id ?? "");
  const [roles, setRoles] = useState<string[]>(params.roles ?? ["dispatcher"]);
  const [title, setTitle] = useState(params.title ?? "");
  const [severity, setSeverity] = useState<Severity>(rule?.severity ?? "high");
  const [maxFirings, setMaxFirings] = useState(String(rule?.max_firings ?? 5));
  const [perSeconds, setPerSeconds] = useState(String(rule?.per_seconds ?? 3600));
  const [enabled, setEnabled] = useState(rule?.enabled ?? true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const check = useConditionCheck(condition);
  const clients = useQuery(
    async () => unwrap(await supabase.from("clients").select("id, name").eq("org_id", org.id).order("name").limit(500)),
    [supabase, org.id],
  );

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const actionParams: { [key: string]: Json } =
      action === "notify_roles" ? { roles } : { ...(clientId ? { client_id: clientId } : {}) };
    if (title.trim()) actionParams.title = title.trim();
    const fields = {
      name,
      event_type: eventType,
      condition,
      action,
      action_params: actionParams,
      severity,
      max_firings: Number(maxFirings),
      per_seconds: Number(perSeconds),
      enabled,
    };
    try {
      if (rule) {
        const rows = unwrap(await supabase.from("rules").update(fields).eq("id", rule.id).select("id"));
        if (rows.length === 0) throw { message: t("office:notFound.body") };
      } else {
        unwrap(
          await supabase.rpc("create_rule", {
            p_org_id: org.id,
            p_name: fields.name,
            p_event_type: fields.event_type,
            p_condition: fields.condition,
            p_action: fields.action,
            p_action_params: actionParams,
            p_severity: fields.severity,
            p_max_firings: fields.max_firings,
            p_per_seconds: fields.per_seconds,
            p_enabled: fields.enabled,
          }),
        );
      }
      navigate(base);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  const conditionInvalid = check.state === "invalid";
  return (
    <Page
      title={rule ? t("editor.editTitle", { name: rule.name }) : t("editor.newTitle")}
      actions={<Link href={base}>{t("back")}</Link>}
    >
      <form className="card admin-form rule-form" onSubmit={save}>
        <div className="form-row">
          <div className="field">
            <label htmlFor="rule-name">{t("editor.name")}</label>
            <input id="rule-name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="rule-event-type">{t("editor.eventType")}</label>
            <input
              id="rule-event-type"
              required
              maxLength={100}
              value={eventType}
              onChange={(e) => setEventType(e.target.value)}
              aria-describedby="rule-event-type-help"
            />
            <span id="rule-event-type-help" className="muted">
              {t("editor.eventTypeHelp")}
            </span>
          </div>
        </div>
        <div className="field">
          <label htmlFor="rule-condition">{t("editor.condition")}</label>
          <textarea
            id="rule-condition"
            className="rule-condition-input"
            required
            spellCheck={false}
            value={condition}
            onChange={(e) => setCondition(e.target.value)}
            aria-invalid={conditionInvalid}
            aria-describedby="rule-condition-help rule-condition-feedback"
          />
          <span id="rule-condition-help" className="muted">
            {t("editor.conditionHelp")}
          </span>
          <p id="rule-condition-feedback" className={`condition-feedback ${check.state}`} aria-live="polite" data-testid="condition-feedback">
            {check.state === "checking"
              ? t("editor.checking")
              : check.state === "valid"
                ? `✓ ${t("editor.valid")}`
                : check.state === "invalid"
                  ? `✗ ${check.message}`
                  : check.state === "failed"
                    ? check.error.message
                    : ""}
          </p>
        </div>
        <div className="form-row">
          <div className="field">
            <label htmlFor="rule-action">{t("editor.action")}</label>
            <select id="rule-action" value={action} onChange={(e) => setAction(e.target.value)}>
              {ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {t(`action.${a}`)}
                </option>
              ))}
            </select>
          </div>
          {action === "notify_roles" ? null : (
            <div className="field">
              <label htmlFor="rule-client">{t("editor.client")}</label>
              <select id="rule-client" value={clientId} onChange={(e) => setClientId(e.target.value)}>
                <option value="">{t("editor.chooseClient")}</option>
                {(clients.data ?? []).map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            </div>
          )}
          <div className="field">
            <label htmlFor="rule-title">{t("editor.itemTitle")}</label>
            <input id="rule-title" maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
          </div>
        </div>
        {action === "notify_roles" ? (
          <fieldset>
            <legend>{t("editor.roles")}</legend>
            {NOTIFIABLE_ROLES.map((r) => (
              <label key={r} className="check">
                <input
                  type="checkbox"
                  checked={roles.includes(r)}
                  onChange={(e) => setRoles((current) => (e.target.checked ? [...current, r] : current.filter((x) => x !== r)))}
                />
                {t(`translation:nav.role.${r}`)}
              </label>
            ))}
          </fieldset>
        ) : null}
        <div className="form-row">
          <div className="field">
            <label htmlFor="rule-severity">{t("editor.severity")}</label>
            <select id="rule-severity" value={severity} onChange={(e) => setSeverity(e.target.value as Severity)}>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {t(`severity.${s}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="rule-max-firings">{t("editor.maxFirings")}</label>
            <input id="rule-max-firings" type="number" min={1} max={10000} required value={maxFirings} onChange={(e) => setMaxFirings(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="rule-per-seconds">{t("editor.perSeconds")}</label>
            <input id="rule-per-seconds" type="number" min={1} max={604800} required value={perSeconds} onChange={(e) => setPerSeconds(e.target.value)} />
          </div>
        </div>
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          {t("editor.enabled")}
        </label>
        <ErrorMessage error={error} />
        <button type="submit" className="button inline" disabled={busy}>
          {t("editor.save")}
        </button>
      </form>
    </Page>
  );
}
