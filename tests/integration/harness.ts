/**
 * What every integration test needs from the harness (scripts/stack/test-runner.ts
 * exports these before vitest runs): where the throw-away stack is and its keys.
 */
import { crc32, deflateSync } from "node:zlib";
import pg from "pg";
import { LOCAL_DEV_DEMO_PASSWORD } from "../../scripts/stack/config.ts";
import { createNodeClient, type TerrainClient } from "../../scripts/stack/supabase-client.ts";

export type { TerrainClient };

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the integration tests through \`npm test\`.`);
  return value;
}

export const stack = {
  apiUrl: requiredEnv("TERRAIN_API_URL").replace(/\/$/, ""),
  anonKey: requiredEnv("TERRAIN_ANON_KEY"),
  serviceRoleKey: requiredEnv("TERRAIN_SERVICE_ROLE_KEY"),
  jwtSecret: requiredEnv("TERRAIN_JWT_SECRET"),
  dbUrl: requiredEnv("TERRAIN_DB_URL"),
};

/**
 * A real supabase-js client against the stack, with no session persistence
 * between tests and the `ws` realtime transport (scripts/stack/supabase-client.ts).
 * With `accessToken`, every request carries that user token instead of the key
 * (what a signed-in browser sends).
 */
export function supabaseClient(key = stack.anonKey, accessToken?: string): TerrainClient {
  return createNodeClient(stack.apiUrl, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    ...(accessToken ? { global: { headers: { Authorization: `Bearer ${accessToken}` } } } : {}),
  });
}

/** Access tokens of seeded demo users, signed in with the local development password (README "Demo logins"). */
export async function demoUserTokens<K extends string>(users: Record<K, string>): Promise<Record<K, string>> {
  const tokens = {} as Record<K, string>;
  for (const who of Object.keys(users) as K[]) {
    const { data, error } = await supabaseClient().auth.signInWithPassword({ email: users[who], password: LOCAL_DEV_DEMO_PASSWORD });
    if (error || !data.session) throw new Error(`sign-in failed for ${users[who]}: ${error?.message}`);
    tokens[who] = data.session.access_token;
  }
  return tokens;
}

/** A superuser connection to the stack's database, for arranging and checking state. */
export async function withDb<T>(fn: (c: pg.Client) => Promise<T>, url = stack.dbUrl): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Removes a test organization and every row it owns. Issued documents, stored
 * PDFs, ledger entries and the invoice log are undeletable by design, so the
 * rows of every table with an `org_id` (schemas public and private) go first
 * with the triggers off (superuser, `session_replication_role = replica`);
 * the organization itself is then deleted with the triggers on, so any row it
 * brought without an `org_id` column goes by its foreign keys' cascades. A
 * clean-up that deleted the organization with the triggers off would leave
 * rows breaking their foreign keys, which `npm run backup` refuses.
 */
export async function removeTestOrganization(orgId: string): Promise<void> {
  await withDb(async (c) => {
    const { rows } = await c.query<{ t: string }>(
      `select format('%I.%I', c.table_schema, c.table_name) as t
         from information_schema.columns c
         join information_schema.tables t using (table_schema, table_name)
        where c.column_name = 'org_id' and c.table_schema in ('public', 'private') and t.table_type = 'BASE TABLE'`,
    );
    await c.query("begin");
    await c.query("set local session_replication_role = replica");
    for (const { t } of rows) await c.query(`delete from ${t} where org_id = $1`, [orgId]);
    await c.query("commit");
    await c.query("delete from public.organizations where id = $1", [orgId]);
  });
}

/** Drafts and issues a one-line credit note (100 € excl. VAT, 20 %) correcting an issued invoice. */
export async function issueCreditNote(
  c: pg.Client,
  ids: { org: string; client: string; creditNote: string; invoice: string },
): Promise<void> {
  await c.query(
    `insert into public.invoices (id, org_id, client_id, kind, credited_invoice_id, service_date)
     values ($1, $2, $3, 'credit_note', $4, current_date - 2)`,
    [ids.creditNote, ids.org, ids.client, ids.invoice],
  );
  await c.query(
    `insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_cents, vat_rate)
     values ($1, $2, 1, 'Geste commercial', 1, 10000, 20)`,
    [ids.org, ids.creditNote],
  );
  await c.query("select public.issue_invoice($1)", [ids.creditNote]);
}

/** A file attached through the attachments function: its row id and where Storage keeps it. */
export interface AttachedFile {
  id: string;
  path: string;
}

/**
 * Attaches a file to a mission as the technician's app does, as the user of
 * `accessToken`: the attachments function's `upload-url`, storage-js
 * `uploadToSignedUrl` against the stack's Storage, then `finalize`. Throws
 * on any refusal.
 */
export async function attachMissionPhoto(
  accessToken: string,
  missionId: string,
  file: { name: string; mime: string; bytes: Uint8Array },
): Promise<AttachedFile> {
  const client = supabaseClient(stack.anonKey, accessToken);
  const invoke = async <T>(body: Record<string, unknown>): Promise<T> => {
    const { data, error } = await client.functions.invoke<T>("attachments", { body });
    if (error) throw new Error(`attachments ${String(body.action)}: ${error.message}`);
    return data as T;
  };
  const issued = await invoke<{ attachment: { id: string; upload_id: string }; upload: { bucket: string; path: string; token: string } }>({
    action: "upload-url",
    owner_type: "mission_photo",
    owner_id: missionId,
    mime: file.mime,
    size: file.bytes.byteLength,
    upload_id: crypto.randomUUID(),
    name: file.name,
  });
  const put = await client.storage.from(issued.upload.bucket).uploadToSignedUrl(issued.upload.path, issued.upload.token, file.bytes, {
    contentType: file.mime,
  });
  if (put.error) throw put.error;
  await invoke({ action: "finalize", upload_id: issued.attachment.upload_id });
  return { id: issued.attachment.id, path: issued.upload.path };
}

/** A PNG of one colour (a real image a browser decodes), `size` pixels square. */
export function solidPng(rgb: [number, number, number], size = 64): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, RGB, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(size * 3).map((_, i) => rgb[i % 3] ?? 0)]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: size }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", pixels), chunk("IEND", Buffer.alloc(0))]);
}
