/**
 * API keys (owner, admin): list_api_keys, create_api_key, rotate_api_key and
 * revoke_api_key. A new secret (creation or rotation) lives only in this
 * screen's memory, shown once with a copy button: the database keeps its
 * sha256, so after a reload it is gone for good.
 */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import type { AreaProps } from "../areas.ts";
import { useOffice } from "../context.tsx";
import { ConfirmAction, DataTable, ErrorMessage, formatDate, formatDateTime, NotFound, toApiError, unwrap, useQuery, type ApiError, type Column } from "../ui/index.ts";
import "../ui/admin-forms.css";
import "./i18n.ts";
import "./apikeys.css";

const SCOPES = ["events:write", "missions:read", "invoices:read"] as const;

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  status: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  grace_until: string | null;
}

interface NewSecret {
  name: string;
  prefix: string;
  secret: string;
  rotatedFrom?: { prefix: string; grace_until: string | null };
}

export default function ApiKeysArea({ path }: AreaProps) {
  if (path !== "" && path !== "/") return <NotFound />;
  return <ApiKeysScreen />;
}

function ApiKeysScreen() {
  const { t } = useTranslation("apikeys");
  const { supabase, org } = useOffice();
  const [secret, setSecret] = useState<NewSecret | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const keys = useQuery(
    async () => unwrap(await supabase.rpc("list_api_keys", { p_org_id: org.id })) as unknown as ApiKey[],
    [supabase, org.id],
  );

  async function act(work: () => Promise<void>) {
    setActionError(null);
    setNotice(null);
    try {
      await work();
    } catch (error) {
      setActionError(toApiError(error));
    } finally {
      void keys.reload();
    }
  }

  function rotate(key: ApiKey) {
    void act(async () => {
      const answer = unwrap(await supabase.rpc("rotate_api_key", { p_key_id: key.id })) as unknown as {
        name: string;
        prefix: string;
        secret: string;
        rotated_from: { prefix: string; grace_until: string | null };
      };
      setSecret({ name: answer.name, prefix: answer.prefix, secret: answer.secret, rotatedFrom: answer.rotated_from });
    });
  }

  function revoke(key: ApiKey) {
    void act(async () => {
      unwrap(await supabase.rpc("revoke_api_key", { p_key_id: key.id }));
      setNotice(t("revoked", { name: key.name }));
    });
  }

  const columns: Column<ApiKey>[] = [
    { key: "name", header: t("columns.name"), render: (k) => k.name, sortValue: (k) => k.name },
    { key: "prefix", header: t("columns.prefix"), render: (k) => <code>{k.prefix}</code> },
    { key: "scopes", header: t("columns.scopes"), render: (k) => k.scopes.map((s) => t(`scope.${s}`, { defaultValue: s })).join(", ") },
    {
      key: "status",
      header: t("columns.status"),
      render: (k) => (
        <span>
          <span className={`chip key-${k.status}`}>{t(`status.${k.status}`, { defaultValue: k.status })}</span>
          {k.status === "rotating" && k.grace_until ? <span className="muted"> {t("graceUntil", { date: formatDateTime(k.grace_until) })}</span> : null}
        </span>
      ),
      sortValue: (k) => k.status,
    },
    { key: "created", header: t("columns.created"), render: (k) => formatDate(k.created_at), sortValue: (k) => k.created_at },
    { key: "lastUsed", header: t("columns.lastUsed"), render: (k) => (k.last_used_at ? formatDateTime(k.last_used_at) : t("never")) },
    { key: "expires", header: t("columns.expires"), render: (k) => (k.expires_at ? formatDate(k.expires_at) : "—"), sortValue: (k) => k.expires_at },
    {
      key: "actions",
      header: t("columns.actions"),
      render: (k) => (
        <div className="row-actions">
          {k.status === "active" ? (
            <button type="button" className="button small" onClick={() => rotate(k)}>
              {t("rotate")}
              <span className="visually-hidden"> · {k.name}</span>
            </button>
          ) : null}
          {k.status === "active" || k.status === "rotating" ? (
            <ConfirmAction
              label={t("revoke")}
              subject={k.name}
              question={t("revokeConfirm", { name: k.name })}
              confirmLabel={t("confirmRevoke")}
              cancelLabel={t("cancel")}
              onConfirm={() => revoke(k)}
            />
          ) : null}
        </div>
      ),
    },
  ];

  return (
    <Page title={t("title")}>
      <p className="muted">{t("intro")}</p>
      {secret ? <SecretPanel secret={secret} onDismiss={() => setSecret(null)} /> : null}
      <p role="status" className="saved">
        {notice ?? ""}
      </p>
      <ErrorMessage error={actionError} />
      {keys.error ? <ErrorMessage error={keys.error} onRetry={() => void keys.reload()} /> : null}
      {keys.data ? (
        <DataTable caption={t("caption")} columns={columns} rows={keys.data} rowKey={(k) => k.id} />
      ) : (
        !keys.error && <p className="muted">{t("office:common.loading")}</p>
      )}
      <CreateForm
        onCreated={(created) => {
          setNotice(null);
          setSecret(created);
          void keys.reload();
        }}
      />
    </Page>
  );
}

function SecretPanel({ secret, onDismiss }: { secret: NewSecret; onDismiss: () => void }) {
  const { t } = useTranslation("apikeys");
  const heading = useRef<HTMLHeadingElement>(null);
  const [copied, setCopied] = useState<"ok" | "failed" | null>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [secret.secret]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret.secret);
      setCopied("ok");
    } catch {
      setCopied("failed");
    }
  }

  return (
    <section className="card secret-panel" aria-labelledby="secret-title" data-testid="api-key-secret-panel">
      <h2 id="secret-title" ref={heading} tabIndex={-1}>
        {t("secret.title", { name: secret.name })}
      </h2>
      <p className="secret-warning">
        <strong>⚠ {t("secret.warning")}</strong>
      </p>
      <div className="field">
        <label htmlFor="api-key-secret">{t("secret.label")}</label>
        <input id="api-key-secret" className="secret-value" readOnly value={secret.secret} onFocus={(e) => e.target.select()} data-testid="api-key-secret" />
      </div>
      {secret.rotatedFrom ? (
        <p>
          {t("secret.rotatedFrom", {
            prefix: secret.rotatedFrom.prefix,
            date: secret.rotatedFrom.grace_until ? formatDateTime(secret.rotatedFrom.grace_until) : "—",
          })}
        </p>
      ) : null}
      <div className="row-actions">
        <button type="button" className="button inline" onClick={() => void copy()}>
          {t("secret.copy")}
        </button>
        <button type="button" className="button inline" onClick={onDismiss}>
          {t("secret.dismiss")}
        </button>
      </div>
      <p role="status" className="saved">
        {copied === "ok" ? t("secret.copied") : copied === "failed" ? t("secret.copyFailed") : ""}
      </p>
    </section>
  );
}

function CreateForm({ onCreated }: { onCreated: (secret: NewSecret) => void }) {
  const { t } = useTranslation("apikeys");
  const { supabase, org } = useOffice();
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["events:write"]);
  const [expires, setExpires] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = unwrap(
        await supabase.rpc("create_api_key", {
          p_org_id: org.id,
          p_name: name,
          p_scopes: scopes,
          ...(expires ? { p_expires_at: new Date(`${expires}T23:59:59`).toISOString() } : {}),
        }),
      ) as unknown as { name: string; prefix: string; secret: string };
      onCreated({ name: answer.name, prefix: answer.prefix, secret: answer.secret });
      setName("");
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card admin-form" onSubmit={submit} aria-labelledby="create-key-title">
      <h2 id="create-key-title">{t("create.title")}</h2>
      <div className="form-row">
        <div className="field">
          <label htmlFor="key-name">{t("create.name")}</label>
          <input id="key-name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="key-expires">{t("create.expires")}</label>
          <input id="key-expires" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
        </div>
      </div>
      <fieldset>
        <legend>{t("create.scopes")}</legend>
        {SCOPES.map((scope) => (
          <label key={scope} className="check">
            <input
              type="checkbox"
              checked={scopes.includes(scope)}
              onChange={(e) => setScopes((current) => (e.target.checked ? [...current, scope] : current.filter((s) => s !== scope)))}
            />
            {t(`scope.${scope}`)} <code>{scope}</code>
          </label>
        ))}
      </fieldset>
      <ErrorMessage error={error} />
      <button type="submit" className="button inline" disabled={busy}>
        {t("create.submit")}
      </button>
    </form>
  );
}
