/**
 * LOCAL AUTH STAND-IN — not Supabase Auth (production uses real Supabase Auth).
 *
 * auth.users rows and their JSON form. The JSON mirrors GoTrue's `models.User`
 * (internal/models/user.go): same keys, same order, `omitempty` fields left
 * out when empty, email and phone as "" when NULL.
 */
import type pg from "pg";

/** GoTrue stores uuid.Nil in instance_id (a leftover of its multi-instance days). */
export const NIL_UUID = "00000000-0000-0000-0000-000000000000";

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Anything with `query`: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

export interface UserRow {
  id: string;
  aud: string | null;
  role: string | null;
  email: string | null;
  email_confirmed_at: Date | null;
  invited_at: Date | null;
  phone: string | null;
  phone_confirmed_at: Date | null;
  confirmation_sent_at: Date | null;
  confirmed_at: Date | null;
  recovery_sent_at: Date | null;
  email_change: string | null;
  email_change_sent_at: Date | null;
  phone_change: string | null;
  phone_change_sent_at: Date | null;
  reauthentication_sent_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Record<string, unknown> | null;
  raw_user_meta_data: Record<string, unknown> | null;
  created_at: Date | null;
  updated_at: Date | null;
  banned_until: Date | null;
  deleted_at: Date | null;
  is_anonymous: boolean;
  /** True when banned_until is in the future, computed by the database clock. */
  is_banned: boolean;
  identities: IdentityRow[];
}

interface IdentityRow {
  id: string;
  provider_id: string;
  user_id: string;
  identity_data: Record<string, unknown> | null;
  provider: string;
  last_sign_in_at: string | null;
  created_at: string | null;
  updated_at: string | null;
  email: string | null;
}

/** Select list for one user with its identities; `u` is auth.users. */
export const USER_COLUMNS = `
  u.id, u.aud, u.role, u.email, u.email_confirmed_at, u.invited_at, u.phone, u.phone_confirmed_at,
  u.confirmation_sent_at, u.confirmed_at, u.recovery_sent_at, u.email_change, u.email_change_sent_at,
  u.phone_change, u.phone_change_sent_at, u.reauthentication_sent_at, u.last_sign_in_at,
  u.raw_app_meta_data, u.raw_user_meta_data, u.created_at, u.updated_at, u.banned_until, u.deleted_at,
  u.is_anonymous,
  coalesce(u.banned_until > now(), false) as is_banned,
  coalesce(
    (select jsonb_agg(to_jsonb(i) order by i.created_at, i.id) from auth.identities i where i.user_id = u.id),
    '[]'::jsonb
  ) as identities`;

/** Go's zero time, which GoTrue prints for a NULL non-pointer timestamp. */
const GO_ZERO_TIME = "0001-01-01T00:00:00Z";

function iso(value: Date | string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

function identityJson(row: IdentityRow): Record<string, unknown> {
  const out: Record<string, unknown> = {
    // GoTrue's historical naming: `identity_id` is the row id, `id` the provider's id for the user.
    identity_id: row.id,
    id: row.provider_id,
    user_id: row.user_id,
  };
  if (row.identity_data && Object.keys(row.identity_data).length > 0) out.identity_data = row.identity_data;
  out.provider = row.provider;
  if (row.last_sign_in_at) out.last_sign_in_at = iso(row.last_sign_in_at);
  out.created_at = iso(row.created_at) ?? GO_ZERO_TIME;
  out.updated_at = iso(row.updated_at) ?? GO_ZERO_TIME;
  if (row.email) out.email = row.email;
  return out;
}

/** The user as GoTrue returns it from /user, /token and /admin/users. */
export function userJson(row: UserRow): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: row.id,
    aud: row.aud ?? "",
    role: row.role ?? "",
    email: row.email ?? "",
  };
  const optional = (key: string, value: string | undefined) => {
    if (value) out[key] = value;
  };
  optional("email_confirmed_at", iso(row.email_confirmed_at));
  optional("invited_at", iso(row.invited_at));
  out.phone = row.phone ?? "";
  optional("phone_confirmed_at", iso(row.phone_confirmed_at));
  optional("confirmation_sent_at", iso(row.confirmation_sent_at));
  optional("confirmed_at", iso(row.confirmed_at));
  optional("recovery_sent_at", iso(row.recovery_sent_at));
  optional("new_email", row.email_change ?? undefined);
  optional("email_change_sent_at", iso(row.email_change_sent_at));
  optional("new_phone", row.phone_change ?? undefined);
  optional("phone_change_sent_at", iso(row.phone_change_sent_at));
  optional("reauthentication_sent_at", iso(row.reauthentication_sent_at));
  optional("last_sign_in_at", iso(row.last_sign_in_at));
  // A hand-written seed may leave the metadata NULL; clients index into these objects.
  out.app_metadata = row.raw_app_meta_data ?? {};
  out.user_metadata = row.raw_user_meta_data ?? {};
  out.identities = row.identities.map(identityJson);
  out.created_at = iso(row.created_at) ?? GO_ZERO_TIME;
  out.updated_at = iso(row.updated_at) ?? GO_ZERO_TIME;
  optional("banned_until", iso(row.banned_until));
  optional("deleted_at", iso(row.deleted_at));
  out.is_anonymous = row.is_anonymous;
  return out;
}

export async function findUserById(db: Queryable, id: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`select ${USER_COLUMNS} from auth.users u where u.id = $1`, [id]);
  return rows[0];
}
