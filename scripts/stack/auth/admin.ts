/**
 * LOCAL AUTH STAND-IN — not Supabase Auth (production uses real Supabase Auth).
 *
 * The admin API subset (service_role only): create, get, update, list and
 * delete users, following GoTrue's adminUserCreate / adminUserGet /
 * adminUserUpdate / adminUsers / adminUserDelete (internal/api/admin.go) for
 * validation order, status codes and messages.
 */
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { booleanField, objectField, optionalStringField, stringField, type JsonObject } from "./body.ts";
import { badRequest, notFound, unprocessable, weakPassword } from "./errors.ts";
import { BCRYPT_MAX_PASSWORD_BYTES, DEFAULT_AUDIENCE } from "./sessions.ts";
import { findUserById, NIL_UUID, USER_COLUMNS, userJson, UUID_PATTERN, type UserRow } from "./users.ts";

/** GoTrue's default GOTRUE_PASSWORD_MIN_LENGTH. */
const PASSWORD_MIN_LENGTH = 6;
const DEFAULT_ROLE = "authenticated";
const DUPLICATE_EMAIL = "A user with this email address has already been registered";
const DUPLICATE_PHONE = "Phone number already registered by another user";

/** Same shape checkmail.ValidateFormat accepts (a pragmatic RFC 5322 subset). */
const EMAIL_FORMAT =
  /^(?:[a-zA-Z0-9!#$%&'*+/=?^_`{|}~.-]+)@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;
const E164 = /^[1-9]\d{1,14}$/;
const BCRYPT_HASH = /^\$2[abxy]\$\d{2}\$[./A-Za-z0-9]{53}$/;

function validateEmail(raw: string): string {
  if (raw.length > 255) throw badRequest("validation_failed", "An email address is too long");
  if (!EMAIL_FORMAT.test(raw)) throw badRequest("validation_failed", "Unable to validate email address: invalid format");
  return raw.toLowerCase();
}

function validatePhone(raw: string): string {
  // GoTrue's formatPhoneNumber: drop a leading "+" and spaces.
  const phone = raw.replace(/^\+/, "").replace(/ /g, "");
  if (!E164.test(phone)) throw badRequest("validation_failed", "Invalid phone number format (E.164 required)");
  return phone;
}

/** GoTrue's checkPasswordStrength with the default policy (length only). Go's len() counts bytes. */
function checkPasswordStrength(password: string): void {
  if (Buffer.byteLength(password, "utf8") < PASSWORD_MIN_LENGTH) {
    throw weakPassword(`Password should be at least ${PASSWORD_MIN_LENGTH} characters.`, ["length"]);
  }
}

/** Go's time.ParseDuration for the units a ban needs; "none" lifts a ban. */
function parseBanDuration(raw: string): number | null {
  if (raw === "none") return null;
  const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...raw.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== raw) {
    throw badRequest("validation_failed", `invalid format for ban duration: time: invalid duration ${JSON.stringify(raw)}`);
  }
  return parts.reduce((total, p) => total + Number(p[1]) * unitMs[p[2]!]!, 0);
}

/** GoTrue's UpdateAppMetaData/UpdateUserMetaData: merge, a null value deletes the key. */
function mergeMetadata(base: JsonObject, updates: JsonObject | undefined): JsonObject {
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(updates ?? {})) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

function isUniqueViolation(err: unknown): err is { code: string; constraint?: string } {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23505";
}

/** POST /admin/users */
export async function createUser(pool: pg.Pool, body: JsonObject): Promise<Record<string, unknown>> {
  const aud = stringField(body, "aud") || DEFAULT_AUDIENCE;
  const rawEmail = stringField(body, "email");
  const rawPhone = stringField(body, "phone");
  const password = optionalStringField(body, "password");
  const passwordHash = stringField(body, "password_hash");
  const emailConfirm = booleanField(body, "email_confirm");
  const phoneConfirm = booleanField(body, "phone_confirm");
  const userMetadataParam = objectField(body, "user_metadata");
  const appMetadataParam = objectField(body, "app_metadata");
  const role = stringField(body, "role").trim() || DEFAULT_ROLE;
  const customId = stringField(body, "id");
  const banDuration = stringField(body, "ban_duration");

  if (rawEmail === "" && rawPhone === "") {
    throw badRequest("validation_failed", "Cannot create a user without either an email or phone");
  }

  const providers: string[] = [];
  let email = "";
  if (rawEmail !== "") {
    email = validateEmail(rawEmail);
    const dup = await pool.query(`select 1 from auth.users where lower(email) = $1 and aud = $2 and is_sso_user = false`, [
      email,
      aud,
    ]);
    if (dup.rowCount) throw unprocessable("email_exists", DUPLICATE_EMAIL);
    providers.push("email");
  }
  let phone = "";
  if (rawPhone !== "") {
    phone = validatePhone(rawPhone);
    const dup = await pool.query(`select 1 from auth.users where phone = $1 and aud = $2`, [phone, aud]);
    if (dup.rowCount) throw unprocessable("phone_exists", DUPLICATE_PHONE);
    providers.push("phone");
  }

  if (password !== undefined && passwordHash !== "") {
    throw badRequest("validation_failed", "Only a password or a password hash should be provided");
  }
  if (password !== undefined && password !== "") checkPasswordStrength(password);
  if (passwordHash !== "" && !BCRYPT_HASH.test(passwordHash)) {
    throw badRequest("validation_failed", "password_hash must be a bcrypt hash ($2a$, $2b$ or $2y$)");
  }
  // No password at all: GoTrue stores a random one nobody knows (64 characters).
  const plainPassword = passwordHash !== "" ? "" : password || randomBytes(48).toString("base64url");
  if (Buffer.byteLength(plainPassword, "utf8") > BCRYPT_MAX_PASSWORD_BYTES) {
    throw badRequest("validation_failed", "bcrypt: password length exceeds 72 bytes");
  }

  if (customId !== "") {
    if (!UUID_PATTERN.test(customId)) throw badRequest("validation_failed", "ID must conform to the uuid v4 format");
    if (customId === NIL_UUID) throw badRequest("validation_failed", "ID cannot be a nil uuid");
  }
  const banMs = banDuration === "" ? undefined : parseBanDuration(banDuration);

  const appMetadata = mergeMetadata({ provider: providers[0], providers }, appMetadataParam);
  // GoTrue's Confirm() records the verification in user_metadata too.
  const userMetadata = emailConfirm ? { ...(userMetadataParam ?? {}), email_verified: true } : (userMetadataParam ?? {});

  const client = await pool.connect();
  try {
    await client.query("begin");
    const inserted = await client.query<{ id: string }>(
      `insert into auth.users (
         instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, phone, phone_confirmed_at,
         raw_app_meta_data, raw_user_meta_data, created_at, updated_at, banned_until,
         confirmation_token, recovery_token, email_change_token_new, email_change, is_sso_user, is_anonymous)
       values (
         $1, coalesce($2::uuid, gen_random_uuid()), $3, $4, nullif($5, ''),
         case when $6 <> '' then $6 else extensions.crypt($7, extensions.gen_salt('bf', 10)) end,
         case when $8 then now() end, nullif($9, ''), case when $10 then now() end,
         $11, $12, now(), now(),
         case when $13::double precision is not null then now() + $13::double precision * interval '1 millisecond' end,
         '', '', '', '', false, false)
       returning id`,
      [
        NIL_UUID,
        customId || null,
        aud,
        role,
        email,
        passwordHash,
        plainPassword,
        emailConfirm,
        phone,
        phoneConfirm,
        appMetadata,
        userMetadata,
        banMs ?? null,
      ],
    );
    const userId = inserted.rows[0]!.id;
    // The identities GoTrue creates alongside (provider_id is the user id for email/phone).
    for (const provider of providers) {
      const identityData =
        provider === "email"
          ? { sub: userId, email, email_verified: false, phone_verified: false }
          : { sub: userId, phone, email_verified: false, phone_verified: false };
      await client.query(
        `insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
         values ($1, $2, $3, $4, now(), now(), now())`,
        [userId, userId, identityData, provider],
      );
    }
    const user = await findUserById(client, userId);
    await client.query("commit");
    return userJson(user!);
  } catch (err) {
    await client.query("rollback").catch(() => undefined);
    // Two concurrent creates of one address: the unique index decides, same answer as the pre-check.
    if (isUniqueViolation(err) && err.constraint === "users_email_partial_key") {
      throw unprocessable("email_exists", DUPLICATE_EMAIL);
    }
    if (isUniqueViolation(err) && err.constraint === "users_phone_key") throw unprocessable("phone_exists", DUPLICATE_PHONE);
    if (isUniqueViolation(err) && err.constraint === "users_pkey") {
      throw unprocessable("validation_failed", "A user with this ID already exists");
    }
    throw err;
  } finally {
    client.release();
  }
}

function parseUserId(raw: string): string {
  if (!UUID_PATTERN.test(raw)) throw notFound("validation_failed", "user_id must be an UUID");
  return raw;
}

/** GET /admin/users/{id} */
export async function getUser(pool: pg.Pool, rawId: string): Promise<Record<string, unknown>> {
  const user = await findUserById(pool, parseUserId(rawId));
  if (!user) throw notFound("user_not_found", "User not found");
  return userJson(user);
}

/** DELETE /admin/users/{id} — hard delete cascades to identities, sessions and refresh tokens. */
export async function deleteUser(pool: pg.Pool, rawId: string, body: JsonObject): Promise<Record<string, never>> {
  const id = parseUserId(rawId);
  const soft = booleanField(body, "should_soft_delete");
  if (!soft) {
    const { rowCount } = await pool.query(`delete from auth.users where id = $1`, [id]);
    if (!rowCount) throw notFound("user_not_found", "User not found");
    return {};
  }
  // Soft delete as GoTrue does it: keep the row (foreign keys from app tables
  // survive), make it unusable, drop its identities and sessions.
  const client = await pool.connect();
  try {
    await client.query("begin");
    const { rowCount } = await client.query(
      `update auth.users
          set deleted_at = coalesce(deleted_at, now()), updated_at = now(),
              email = null, phone = null, encrypted_password = '',
              raw_app_meta_data = '{}'::jsonb, raw_user_meta_data = '{}'::jsonb
        where id = $1`,
      [id],
    );
    if (!rowCount) throw notFound("user_not_found", "User not found");
    await client.query(`delete from auth.identities where user_id = $1`, [id]);
    await client.query(`delete from auth.sessions where user_id = $1`, [id]);
    await client.query("commit");
    return {};
  } catch (err) {
    await client.query("rollback").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** What GoTrue's adminUserUpdate also accepts that the stand-in does not change (it says so rather than ignore them). */
const UPDATE_FIELDS_NOT_SERVED = ["email", "phone", "password", "password_hash", "phone_confirm", "nonce"];

/**
 * PUT /admin/users/{id} — GoTrue's adminUserUpdate for what the local stack
 * uses: ban_duration (a Go duration from now, "none" lifts the ban; checked
 * before anything is written, as GoTrue does), user_metadata and
 * app_metadata (merged, a null value deletes the key), email_confirm and
 * role. Answers the updated user.
 */
export async function updateUser(pool: pg.Pool, rawId: string, body: JsonObject): Promise<Record<string, unknown>> {
  const id = parseUserId(rawId);
  // GoTrue loads the user (404) before it reads the parameters.
  if (!(await findUserById(pool, id))) throw notFound("user_not_found", "User not found");
  const notServed = UPDATE_FIELDS_NOT_SERVED.filter((field) => body[field] !== undefined && body[field] !== null && body[field] !== "");
  if (notServed.length > 0) {
    throw badRequest("validation_failed", `The local auth stand-in does not update ${notServed.join(", ")}`);
  }
  const banDuration = stringField(body, "ban_duration");
  const userMetadata = objectField(body, "user_metadata");
  const appMetadata = objectField(body, "app_metadata");
  const emailConfirm = booleanField(body, "email_confirm");
  const role = stringField(body, "role").trim();
  // Parsed before the transaction: a bad duration changes nothing (GoTrue answers before its transaction).
  // GoTrue's user.Ban: a zero duration ("none", "0s") clears banned_until.
  const parsedBan = banDuration === "" ? undefined : parseBanDuration(banDuration);
  const banMs = parsedBan === 0 ? null : parsedBan;

  const client = await pool.connect();
  try {
    await client.query("begin");
    const current = await client.query<{ app: JsonObject; meta: JsonObject }>(
      `select raw_app_meta_data as app, raw_user_meta_data as meta from auth.users where id = $1 for update`,
      [id],
    );
    const row = current.rows[0];
    if (!row) throw notFound("user_not_found", "User not found"); // deleted meanwhile
    await client.query(
      `update auth.users
          set raw_app_meta_data = $2, raw_user_meta_data = $3,
              role = coalesce(nullif($4, ''), role),
              email_confirmed_at = case when $5 then coalesce(email_confirmed_at, now()) else email_confirmed_at end,
              banned_until = case when not $6 then banned_until
                                  when $7::double precision is null then null
                                  else now() + $7::double precision * interval '1 millisecond' end,
              updated_at = now()
        where id = $1`,
      [
        id,
        appMetadata ? mergeMetadata(row.app ?? {}, appMetadata) : row.app,
        userMetadata ? mergeMetadata(row.meta ?? {}, userMetadata) : row.meta,
        role,
        emailConfirm,
        banMs !== undefined,
        banMs ?? null,
      ],
    );
    const user = await findUserById(client, id);
    await client.query("commit");
    return userJson(user!);
  } catch (err) {
    await client.query("rollback").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** GET /admin/users?page=&per_page= — newest first, with GoTrue's pagination headers. */
export async function listUsers(
  pool: pg.Pool,
  query: URLSearchParams,
): Promise<{ body: { users: Record<string, unknown>[]; aud: string }; headers: Record<string, string> }> {
  const page = parsePositiveInt(query.get("page"), 1, "page");
  const perPage = parsePositiveInt(query.get("per_page"), 50, "per_page");
  const [{ rows }, count] = await Promise.all([
    pool.query<UserRow>(
      `select ${USER_COLUMNS} from auth.users u where u.aud = $1 order by u.created_at desc, u.id limit $2 offset $3`,
      [DEFAULT_AUDIENCE, perPage, (page - 1) * perPage],
    ),
    pool.query<{ total: string }>(`select count(*) as total from auth.users where aud = $1`, [DEFAULT_AUDIENCE]),
  ]);
  const total = Number(count.rows[0]?.total ?? 0);
  const lastPage = Math.max(1, Math.ceil(total / perPage));
  const links: string[] = [];
  if (page < lastPage) links.push(`</admin/users?page=${page + 1}&per_page=${perPage}>; rel="next"`);
  links.push(`</admin/users?page=${lastPage}&per_page=${perPage}>; rel="last"`);
  return {
    body: { users: rows.map(userJson), aud: DEFAULT_AUDIENCE },
    headers: { "x-total-count": String(total), link: links.join(", ") },
  };
}

function parsePositiveInt(raw: string | null, fallback: number, name: string): number {
  if (raw === null || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw badRequest("validation_failed", `Bad Pagination Parameters: invalid ${name}`);
  return n;
}

/**
 * POST /invite — GoTrue's Invite (internal/api/invite.go): an email with no
 * account gets one (no password, user_metadata from `data`, an email
 * identity); an unconfirmed account is invited again; a confirmed one is
 * 422 email_exists. GoTrue then mails a link to set a password: the stand-in
 * sends no mail, it only records invited_at and confirmation_sent_at as
 * sendInvite does.
 */
export async function inviteUser(pool: pg.Pool, body: JsonObject): Promise<Record<string, unknown>> {
  const email = validateEmail(stringField(body, "email"));
  const data = objectField(body, "data");
  const existing = await pool.query<{ id: string; confirmed: boolean }>(
    `select id, email_confirmed_at is not null as confirmed
       from auth.users where lower(email) = $1 and aud = $2 and is_sso_user = false`,
    [email, DEFAULT_AUDIENCE],
  );
  let userId = existing.rows[0]?.id;
  if (existing.rows[0]?.confirmed) throw unprocessable("email_exists", DUPLICATE_EMAIL);
  if (!userId) userId = String((await createUser(pool, { email, ...(data ? { user_metadata: data } : {}) })).id);
  await pool.query(
    `update auth.users set invited_at = now(), confirmation_sent_at = now(), updated_at = now() where id = $1`,
    [userId],
  );
  return userJson((await findUserById(pool, userId))!);
}
