/**
 * What the portal reads and writes, through supabase-js as the portal user:
 * RLS decides what "their own" is (docs/permissions.md). The org and client
 * filters below only say which of the person's memberships the screen is
 * about; they widen nothing.
 */
import type { Database } from "../../../types/database.ts";
import { invokeFunction } from "../office/ui/invokeFunction.ts";
import { type ApiError, unwrap } from "../office/ui/useQuery.ts";
import type { TerrainClient } from "../supabase.ts";
import type { Portal } from "./context.tsx";

type Enums = Database["public"]["Enums"];
export type MissionStatus = Enums["mission_status"];
export type InvoiceStatus = Enums["invoice_status"];
export type QuoteStatus = Enums["quote_status"];
export type EmergencySeverity = Enums["emergency_severity"];
export type EmergencyStatus = Enums["emergency_status"];

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Site {
  id: string;
  name: string;
  address: string;
  postal_code: string | null;
  city: string | null;
  access_notes: string | null;
}

export type PortalMission = Database["public"]["Functions"]["portal_missions"]["Returns"][number];

export interface Invoice {
  id: string;
  kind: "invoice" | "credit_note";
  number: string | null;
  status: InvoiceStatus;
  issue_date: string | null;
  due_date: string | null;
  total_ht_cents: number;
  total_vat_cents: number;
  total_ttc_cents: number | null;
  paid_at: string | null;
  credited_invoice_id: string | null;
}

export interface DocumentLine {
  id: string;
  position: number;
  description: string;
  quantity: number;
  unit: string;
  unit_price_cents: number;
  vat_rate: number;
  line_ht_cents: number | null;
}

export interface Quote {
  id: string;
  number: string | null;
  title: string;
  status: QuoteStatus;
  issue_date: string | null;
  valid_until: string | null;
  total_ht_cents: number;
  total_vat_cents: number;
  total_ttc_cents: number | null;
}

export interface ClientRequest {
  id: string;
  subject: string;
  description: string | null;
  status: string;
  site_id: string | null;
  created_at: string;
}

export interface EmergencyRequest {
  id: string;
  severity: EmergencySeverity;
  description: string;
  status: EmergencyStatus;
  site_id: string | null;
  created_at: string;
}

/** The missions the portal lists: the most recent ones (portal_missions orders them). */
export const MISSION_LIMIT = 100;

const SITE_COLUMNS = "id, name, address, postal_code, city, access_notes";
const INVOICE_COLUMNS =
  "id, kind, number, status, issue_date, due_date, total_ht_cents, total_vat_cents, total_ttc_cents, paid_at, credited_invoice_id";
const LINE_COLUMNS = "id, position, description, quantity, unit, unit_price_cents, vat_rate, line_ht_cents";
const QUOTE_COLUMNS = "id, number, title, status, issue_date, valid_until, total_ht_cents, total_vat_cents, total_ttc_cents";

export async function loadSites({ supabase, org, clientId }: Portal): Promise<Site[]> {
  return unwrap(await supabase.from("sites").select(SITE_COLUMNS).eq("org_id", org.id).eq("client_id", clientId).order("name")) as Site[];
}

/** One site, or null when the database shows none (unknown, or another client's). */
export async function loadSite({ supabase, org, clientId }: Portal, id: string): Promise<Site | null> {
  if (!UUID.test(id)) return null;
  return unwrap(await supabase.from("sites").select(SITE_COLUMNS).eq("org_id", org.id).eq("client_id", clientId).eq("id", id).maybeSingle()) as Site | null;
}

export async function loadMissions(supabase: TerrainClient): Promise<PortalMission[]> {
  return unwrap(await supabase.rpc("portal_missions", { p_limit: MISSION_LIMIT })) ?? [];
}

export async function loadMission(supabase: TerrainClient, id: string): Promise<PortalMission | null> {
  if (!UUID.test(id)) return null;
  const rows = unwrap(await supabase.rpc("portal_missions", { p_mission_id: id })) ?? [];
  return rows[0] ?? null;
}

/** The missions whose photos a portal user sees: the report is out (the attachments_select policy says the same). */
export const REPORTED_STATUSES: readonly MissionStatus[] = ["done", "invoiced"];

export interface MissionPhoto {
  id: string;
  original_name: string | null;
  created_at: string;
  /** Signed by the attachments function for an hour. */
  url: string;
}

/**
 * The photos (and the client's signature) of a mission, oldest first, each
 * with a URL the attachments function signs for the portal user, in one
 * request: RLS decides what is listed and signed (a mission not yet done
 * lists nothing).
 */
export async function loadMissionPhotos(supabase: TerrainClient, missionId: string): Promise<MissionPhoto[]> {
  const listed = await invokeFunction<{ items: MissionPhoto[] }>(supabase, "attachments", {
    action: "list",
    owner_type: "mission_photo",
    owner_id: missionId,
    limit: 100,
    with_urls: true,
  });
  return [...listed.items].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
}

export async function loadInvoices({ supabase, org, clientId }: Portal): Promise<Invoice[]> {
  return unwrap(
    await supabase
      .from("invoices")
      .select(INVOICE_COLUMNS)
      .eq("org_id", org.id)
      .eq("client_id", clientId)
      .order("issue_date", { ascending: false })
      .order("number", { ascending: false }),
  ) as Invoice[];
}

export async function loadInvoice(
  { supabase, org, clientId }: Portal,
  id: string,
): Promise<{ invoice: Invoice; lines: DocumentLine[]; credited: string | null } | null> {
  if (!UUID.test(id)) return null;
  const invoice = unwrap(
    await supabase.from("invoices").select(INVOICE_COLUMNS).eq("org_id", org.id).eq("client_id", clientId).eq("id", id).maybeSingle(),
  ) as Invoice | null;
  if (!invoice) return null;
  const lines = unwrap(await supabase.from("invoice_lines").select(LINE_COLUMNS).eq("invoice_id", id).order("position")) as DocumentLine[];
  let credited: string | null = null;
  if (invoice.credited_invoice_id) {
    const original = unwrap(await supabase.from("invoices").select("number").eq("id", invoice.credited_invoice_id).maybeSingle()) as { number: string | null } | null;
    credited = original?.number ?? null;
  }
  return { invoice, lines, credited };
}

export async function loadQuotes({ supabase, org, clientId }: Portal): Promise<Quote[]> {
  return unwrap(
    await supabase.from("quotes").select(QUOTE_COLUMNS).eq("org_id", org.id).eq("client_id", clientId).order("issue_date", { ascending: false }),
  ) as Quote[];
}

export async function loadQuote({ supabase, org, clientId }: Portal, id: string): Promise<{ quote: Quote; lines: DocumentLine[] } | null> {
  if (!UUID.test(id)) return null;
  const quote = unwrap(
    await supabase.from("quotes").select(QUOTE_COLUMNS).eq("org_id", org.id).eq("client_id", clientId).eq("id", id).maybeSingle(),
  ) as Quote | null;
  if (!quote) return null;
  const lines = unwrap(await supabase.from("quote_lines").select(LINE_COLUMNS).eq("quote_id", id).order("position")) as DocumentLine[];
  return { quote, lines };
}

export async function loadRequests({ supabase, org, clientId }: Portal): Promise<{ requests: ClientRequest[]; emergencies: EmergencyRequest[] }> {
  const [requests, emergencies] = await Promise.all([
    supabase
      .from("client_requests")
      .select("id, subject, description, status, site_id, created_at")
      .eq("org_id", org.id)
      .eq("client_id", clientId)
      .order("created_at", { ascending: false })
      .limit(200),
    supabase
      .from("emergency_requests")
      .select("id, severity, description, status, site_id, created_at")
      .eq("org_id", org.id)
      .eq("client_id", clientId)
      .order("created_at", { ascending: false })
      .limit(200),
  ]);
  return { requests: unwrap(requests) as ClientRequest[], emergencies: unwrap(emergencies) as EmergencyRequest[] };
}

/** The organization's phone, for the emergency form ("call us too"). */
export async function loadOrgPhone({ supabase, org }: Portal): Promise<string | null> {
  const row = unwrap(await supabase.from("organizations").select("phone").eq("id", org.id).maybeSingle()) as { phone: string | null } | null;
  return row?.phone ?? null;
}

export async function createRequest(
  { supabase, org, clientId }: Portal,
  input: { site_id: string | null; subject: string; description: string | null },
): Promise<string> {
  const row = unwrap(
    await supabase
      .from("client_requests")
      .insert({ org_id: org.id, client_id: clientId, ...input })
      .select("id")
      .single(),
  ) as { id: string };
  return row.id;
}

export async function createEmergency(
  { supabase, org, clientId }: Portal,
  input: { site_id: string | null; severity: EmergencySeverity; description: string },
): Promise<string> {
  const row = unwrap(
    await supabase
      .from("emergency_requests")
      .insert({ org_id: org.id, client_id: clientId, source: "portal", ...input })
      .select("id")
      .single(),
  ) as { id: string };
  return row.id;
}

/** What the client is told about paying: the payment status the database keeps (payments are the office's). */
export function paymentState(invoice: Invoice): "paid" | "partially_paid" | "due" | "credit" {
  if (invoice.kind === "credit_note") return "credit";
  if (invoice.status === "paid") return "paid";
  if (invoice.status === "partially_paid") return "partially_paid";
  return "due";
}

/**
 * The invoice's PDF through the invoice-pdf function, as the signed-in user
 * (the function reads the invoice with the caller's token: RLS decides). A
 * refusal is read by the office's invokeFunction, the one reading of a
 * function's `{ error: { code, message } }`, so ErrorMessage translates it.
 */
export async function downloadInvoicePdf(supabase: TerrainClient, invoiceId: string): Promise<Blob> {
  const data = await invokeFunction<Blob>(supabase, "invoice-pdf", { invoice_id: invoiceId });
  // A code of the app's own (not the catalogue's) so ErrorMessage says it in the user's language.
  if (!(data instanceof Blob)) throw { code: "pdf_unreadable", message: "The PDF could not be read." } satisfies ApiError;
  return data;
}
