/**
 * Members (owner, admin): who belongs to the organization and in which role;
 * invite by email (the invite-member function: SQL's add_member decides, the
 * function creates a missing account), change a role or remove a member
 * (memberships under RLS; the guard trigger's ownership rules answer in
 * words), and, for an owner, hand over ownership (transfer_ownership).
 * Invited people who have not signed in yet are listed apart, as pending
 * invitations (member_invitations): who invited them and when; send again
 * (invite-member/resend) or revoke (invite-member/revoke: SQL's
 * revoke_invitation decides, and the function removes the account the
 * invitation created if the person never signed in).
 */
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import type { MemberRole } from "../../workspace.ts";
import type { AreaProps } from "../areas.ts";
import { useOffice } from "../context.tsx";
import { ConfirmAction, DataTable, ErrorMessage, namedChoices, SelectField, formatDate, formatDateTime, NotFound, toApiError, unwrap, useQuery, type ApiError, type Column } from "../ui/index.ts";
import { invokeFunction } from "../ui/invokeFunction.ts";
import "./i18n.ts";
import "../ui/admin-forms.css";
import "./members.css";

const STAFF_ROLES: MemberRole[] = ["owner", "admin", "dispatcher", "technician", "accountant"];
const INVITE_ROLES: MemberRole[] = [...STAFF_ROLES, "client"];

interface Member {
  id: string;
  userId: string;
  role: MemberRole;
  clientName: string | null;
  email: string | null;
  name: string;
  createdAt: string;
}

interface PendingInvitation {
  id: string;
  membershipId: string;
  email: string;
  role: MemberRole;
  clientName: string | null;
  invitedBy: string | null;
  invitedAt: string;
  lastSentAt: string;
  sendCount: number;
}

interface InviteAnswer {
  email: string;
  role: MemberRole;
  account_created: boolean;
}

/** invite-member/revoke: account_removed when the account the invitation created went with it. */
interface RevokeAnswer {
  email: string;
  account_removed: boolean;
}

export default function MembersArea({ path }: AreaProps) {
  if (path !== "" && path !== "/") return <NotFound />;
  return <MembersScreen />;
}

function MembersScreen() {
  const { t } = useTranslation("members");
  const { supabase, org, role, userId } = useOffice();
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);

  const query = useQuery(async () => {
    const memberships = unwrap(
      await supabase.from("memberships").select("id, user_id, role, client_id, created_at").eq("org_id", org.id).order("created_at"),
    );
    // Invitations not accepted yet: the person has not signed in since they were invited.
    const invitations = unwrap(
      await supabase
        .from("member_invitations")
        .select("id, membership_id, email, invited_by, invited_at, last_sent_at, send_count")
        .eq("org_id", org.id)
        .is("accepted_at", null)
        .order("invited_at"),
    );
    const ids = [...new Set([...memberships.map((m) => m.user_id), ...invitations.flatMap((i) => (i.invited_by ? [i.invited_by] : []))])];
    const profiles = ids.length ? unwrap(await supabase.from("profiles").select("id, email, full_name").in("id", ids)) : [];
    // The portal clients: to name a client member's client and to choose one when inviting.
    const clients = unwrap(await supabase.from("clients").select("id, name").eq("org_id", org.id).order("name").limit(500));
    const profileOf = new Map(profiles.map((p) => [p.id, p]));
    const clientName = new Map(clients.map((c) => [c.id, c.name]));
    const nameOf = (userId: string) => {
      const profile = profileOf.get(userId);
      return profile?.full_name?.trim() || profile?.email || null;
    };
    const membershipOf = new Map(memberships.map((m) => [m.id, m]));
    const pending: PendingInvitation[] = invitations.flatMap((i) => {
      const m = membershipOf.get(i.membership_id);
      if (!m) return [];
      return [{
        id: i.id,
        membershipId: m.id,
        email: i.email,
        role: m.role,
        clientName: m.client_id ? (clientName.get(m.client_id) ?? null) : null,
        invitedBy: i.invited_by ? nameOf(i.invited_by) : null,
        invitedAt: i.invited_at,
        lastSentAt: i.last_sent_at,
        sendCount: i.send_count,
      }];
    });
    const pendingMemberships = new Set(pending.map((i) => i.membershipId));
    const members: Member[] = memberships
      .filter((m) => !pendingMemberships.has(m.id))
      .map((m) => ({
        id: m.id,
        userId: m.user_id,
        role: m.role,
        clientName: m.client_id ? (clientName.get(m.client_id) ?? null) : null,
        email: profileOf.get(m.user_id)?.email ?? null,
        name: nameOf(m.user_id) ?? m.user_id,
        createdAt: m.created_at,
      }));
    return { members, pending, clients };
  }, [supabase, org.id]);

  function done(message: string) {
    setActionError(null);
    setNotice(message);
    void query.reload();
  }
  function failed(error: unknown) {
    setNotice(null);
    setActionError(toApiError(error));
  }

  const roleLabel = (r: MemberRole) => t(`translation:nav.role.${r}`);
  const columns: Column<Member>[] = [
    {
      key: "name",
      header: t("columns.name"),
      render: (m) => (m.userId === userId ? `${m.name} (${t("you")})` : m.name),
      sortValue: (m) => m.name,
    },
    { key: "email", header: t("columns.email"), render: (m) => m.email ?? "—", sortValue: (m) => m.email },
    {
      key: "role",
      header: t("columns.role"),
      render: (m) =>
        m.role === "client" ? (
          <span>
            {roleLabel("client")}
            {m.clientName ? <span className="muted"> · {t("clientOf", { client: m.clientName })}</span> : null}
          </span>
        ) : (
          <RoleForm member={m} onDone={done} onError={failed} />
        ),
      sortValue: (m) => m.role,
    },
    { key: "since", header: t("columns.since"), render: (m) => formatDate(m.createdAt), sortValue: (m) => m.createdAt },
    { key: "actions", header: t("columns.actions"), render: (m) => <RemoveButton member={m} onDone={done} onError={failed} /> },
  ];

  return (
    <Page title={t("title")}>
      <p role="status" className="saved" data-testid="members-notice">
        {notice ?? ""}
      </p>
      <ErrorMessage error={actionError} />
      {query.error ? <ErrorMessage error={query.error} onRetry={() => void query.reload()} /> : null}
      {query.data ? (
        <DataTable caption={t("caption")} columns={columns} rows={query.data.members} rowKey={(m) => m.id} />
      ) : (
        !query.error && <p className="muted">{t("office:common.loading")}</p>
      )}
      {query.data && query.data.pending.length > 0 ? (
        <PendingInvitations invitations={query.data.pending} onDone={done} onError={failed} />
      ) : null}
      <InviteForm clients={query.data?.clients ?? []} onDone={done} />
      {role === "owner" && query.data ? (
        <TransferForm members={query.data.members.filter((m) => m.userId !== userId && m.role !== "client")} onDone={done} onError={failed} />
      ) : null}
    </Page>
  );
}

function RoleForm({ member, onDone, onError }: { member: Member; onDone: (m: string) => void; onError: (e: unknown) => void }) {
  const { t } = useTranslation("members");
  const { supabase } = useOffice();
  const [chosen, setChosen] = useState<MemberRole>(member.role);
  const [busy, setBusy] = useState(false);

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      // RLS limits the update to owners and admins; the guard trigger keeps the ownership rules.
      const rows = unwrap(await supabase.from("memberships").update({ role: chosen }).eq("id", member.id).select("id"));
      if (rows.length === 0) throw { message: t("notRemoved", { name: member.name }) };
      onDone(t("roleChanged", { name: member.name, role: t(`translation:nav.role.${chosen}`) }));
    } catch (error) {
      setChosen(member.role);
      onError(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="role-form" onSubmit={save}>
      <label className="visually-hidden" htmlFor={`role-${member.id}`}>
        {t("roleOf", { name: member.name })}
      </label>
      <select id={`role-${member.id}`} value={chosen} onChange={(e) => setChosen(e.target.value as MemberRole)} disabled={busy}>
        {STAFF_ROLES.map((r) => (
          <option key={r} value={r}>
            {t(`translation:nav.role.${r}`)}
          </option>
        ))}
      </select>
      <button type="submit" className="button small" disabled={busy || chosen === member.role}>
        {t("saveRole")}
        <span className="visually-hidden"> · {member.name}</span>
      </button>
    </form>
  );
}

function RemoveButton({ member, onDone, onError }: { member: Member; onDone: (m: string) => void; onError: (e: unknown) => void }) {
  const { t } = useTranslation("members");
  const { supabase } = useOffice();

  async function remove() {
    try {
      const rows = unwrap(await supabase.from("memberships").delete().eq("id", member.id).select("id"));
      if (rows.length === 0) throw { message: t("notRemoved", { name: member.name }) };
      onDone(t("removed", { name: member.name }));
    } catch (error) {
      onError(error);
    }
  }

  return (
    <ConfirmAction
      label={t("remove")}
      subject={member.name}
      question={t("removeConfirm", { name: member.name })}
      confirmLabel={t("confirmRemove")}
      cancelLabel={t("cancel")}
      onConfirm={remove}
    />
  );
}

function PendingInvitations({
  invitations,
  onDone,
  onError,
}: {
  invitations: PendingInvitation[];
  onDone: (m: string) => void;
  onError: (e: unknown) => void;
}) {
  const { t } = useTranslation("members");
  const { supabase } = useOffice();

  async function resend(invitation: PendingInvitation) {
    try {
      await invokeFunction(supabase, "invite-member/resend", { invitation_id: invitation.id });
      onDone(t("pending.resent", { email: invitation.email }));
    } catch (error) {
      onError(error);
    }
  }

  async function revoke(invitation: PendingInvitation) {
    try {
      const answer = await invokeFunction<RevokeAnswer>(supabase, "invite-member/revoke", { invitation_id: invitation.id });
      onDone(t(answer.account_removed ? "pending.revokedWithAccount" : "pending.revoked", { email: invitation.email }));
    } catch (error) {
      onError(error);
    }
  }

  const columns: Column<PendingInvitation>[] = [
    { key: "email", header: t("columns.email"), render: (i) => i.email, sortValue: (i) => i.email },
    {
      key: "role",
      header: t("columns.role"),
      render: (i) => (
        <span>
          {t(`translation:nav.role.${i.role}`)}
          {i.clientName ? <span className="muted"> · {t("clientOf", { client: i.clientName })}</span> : null}
        </span>
      ),
      sortValue: (i) => i.role,
    },
    { key: "invitedBy", header: t("pending.invitedBy"), render: (i) => i.invitedBy ?? "—", sortValue: (i) => i.invitedBy },
    {
      key: "invitedAt",
      header: t("pending.invitedAt"),
      render: (i) => (
        <span>
          {formatDateTime(i.invitedAt)}
          {i.sendCount > 1 ? (
            <span className="muted"> · {t("pending.lastSent", { when: formatDateTime(i.lastSentAt), count: i.sendCount })}</span>
          ) : null}
        </span>
      ),
      sortValue: (i) => i.invitedAt,
    },
    {
      key: "actions",
      header: t("columns.actions"),
      render: (i) => (
        <div className="invitation-actions">
          <button type="button" className="button small" onClick={() => void resend(i)}>
            {t("pending.resend")}
            <span className="visually-hidden"> · {i.email}</span>
          </button>
          <ConfirmAction
            label={t("pending.revoke")}
            subject={i.email}
            question={t("pending.revokeConfirm", { email: i.email })}
            confirmLabel={t("pending.confirmRevoke")}
            cancelLabel={t("cancel")}
            onConfirm={() => revoke(i)}
          />
        </div>
      ),
    },
  ];

  return (
    <section className="pending-invitations" aria-labelledby="pending-title">
      <h2 id="pending-title">{t("pending.title")}</h2>
      <p className="muted">{t("pending.help")}</p>
      <DataTable caption={t("pending.caption")} columns={columns} rows={invitations} rowKey={(i) => i.id} />
    </section>
  );
}

function InviteForm({ clients, onDone }: { clients: { id: string; name: string }[]; onDone: (m: string) => void }) {
  const { t } = useTranslation("members");
  const { supabase, org } = useOffice();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<MemberRole>("technician");
  const [clientId, setClientId] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await invokeFunction<InviteAnswer>(supabase, "invite-member", {
        org_id: org.id,
        email,
        role,
        ...(role === "client" ? { client_id: clientId || null } : {}),
      });
      const roleName = t(`translation:nav.role.${answer.role}`);
      onDone(t(answer.account_created ? "invite.doneNewAccount" : "invite.done", { email: answer.email, role: roleName }));
      setEmail("");
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card admin-form" onSubmit={submit} aria-labelledby="invite-title">
      <h2 id="invite-title">{t("invite.title")}</h2>
      <p className="muted">{t("invite.help")}</p>
      <div className="form-row">
        <div className="field">
          <label htmlFor="invite-email">{t("invite.email")}</label>
          <input id="invite-email" type="email" required autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="invite-role">{t("invite.role")}</label>
          <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as MemberRole)}>
            {INVITE_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`translation:nav.role.${r}`)}
              </option>
            ))}
          </select>
        </div>
        {role === "client" ? (
          <SelectField
            id="invite-client"
            label={t("invite.client")}
            value={clientId}
            onChange={setClientId}
            placeholder={t("invite.chooseClient")}
            choices={namedChoices(clients)}
          />
        ) : null}
      </div>
      <ErrorMessage error={error} />
      <button type="submit" className="button inline" disabled={busy}>
        {busy ? t("invite.sending") : t("invite.submit")}
      </button>
    </form>
  );
}

function TransferForm({ members, onDone, onError }: { members: Member[]; onDone: (m: string) => void; onError: (e: unknown) => void }) {
  const { t } = useTranslation("members");
  const { supabase, org, reloadMemberships } = useOffice();
  const [to, setTo] = useState("");
  const [keepAs, setKeepAs] = useState<MemberRole>("admin");
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      unwrap(await supabase.rpc("transfer_ownership", { p_org_id: org.id, p_to_user_id: to, p_keep_current_as: keepAs }));
      onDone(t("transfer.done", { name: members.find((m) => m.userId === to)?.name ?? to }));
      setTo("");
      // The caller is no longer the owner: the header, the navigation and this
      // form follow the role they kept, without waiting for a reload.
      await reloadMemberships();
    } catch (error) {
      onError(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card admin-form" onSubmit={submit} aria-labelledby="transfer-title">
      <h2 id="transfer-title">{t("transfer.title")}</h2>
      <p className="muted">{t("transfer.help")}</p>
      <div className="form-row">
        <SelectField
          id="transfer-to"
          label={t("transfer.to")}
          value={to}
          onChange={setTo}
          required
          placeholder={t("transfer.choose")}
          choices={members.map((m) => ({ value: m.userId, label: m.name }))}
        />
        <div className="field">
          <label htmlFor="transfer-keep">{t("transfer.keepAs")}</label>
          <select id="transfer-keep" value={keepAs} onChange={(e) => setKeepAs(e.target.value as MemberRole)}>
            {STAFF_ROLES.filter((r) => r !== "owner").map((r) => (
              <option key={r} value={r}>
                {t(`translation:nav.role.${r}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <button type="submit" className="button inline" disabled={busy || !to}>
        {t("transfer.submit")}
      </button>
    </form>
  );
}
