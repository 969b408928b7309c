/**
 * What the invoicing screens share: the status labels (text, never colour
 * alone), the edge-function calls (PDF, FEC) with their errors read back as
 * the functions word them, and money typed in euros.
 */
import { useTranslation } from "react-i18next";
import type { TerrainClient } from "../../supabase.ts";
import type { ApiError } from "../ui/index.ts";

export type InvoiceStatus = "draft" | "issued" | "sent" | "partially_paid" | "paid";
export type QuoteStatus = "draft" | "sent" | "accepted" | "rejected" | "expired";

/**
 * A status as a labelled badge: the word carries the meaning, the colour only
 * repeats it. A credit note's status has words of its own (in French, un avoir
 * is "émis", une facture "émise").
 */
export function StatusBadge({
  status,
  overdue = false,
  quote = false,
  creditNote = false,
}: {
  status: InvoiceStatus | QuoteStatus;
  overdue?: boolean;
  quote?: boolean;
  creditNote?: boolean;
}) {
  const { t } = useTranslation("invoicing");
  const labels = quote ? "quoteStatus" : creditNote ? "creditNoteStatus" : "status";
  return (
    <span className={`status-badge status-${status}${overdue ? " status-overdue" : ""}`} data-testid="status">
      {t(`${labels}.${status}`)}
      {overdue ? ` · ${t("status.overdue")}` : ""}
    </span>
  );
}

/** The functions' error body `{error: {code, message}}`, or PostgREST's `{code, message}`. */
async function functionError(error: unknown): Promise<ApiError> {
  const response = (error as { context?: unknown }).context;
  if (response instanceof Response) {
    try {
      const body = (await response.clone().json()) as { error?: { code?: string; message?: string }; code?: string; message?: string };
      const nested = body.error;
      return { code: nested?.code ?? body.code, message: nested?.message ?? body.message ?? `HTTP ${response.status}` };
    } catch {
      return { message: `HTTP ${response.status}` };
    }
  }
  return { message: (error as { message?: string }).message ?? String(error) };
}

/** Calls an edge function with the signed-in person's token: RLS and SQL decide on their rights. */
export async function callFunction<T>(supabase: TerrainClient, name: string, body: Record<string, unknown>): Promise<{ data: T; response: Response }> {
  const { data, error, response } = (await supabase.functions.invoke<T>(name, { body })) as {
    data: T | null;
    error: unknown;
    response?: Response;
  };
  if (error) throw await functionError(error);
  return { data: data as T, response: response! };
}

/** The file name a response announces (content-disposition), else the fallback. */
export function fileNameOf(response: Response, fallback: string): string {
  const match = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "");
  return match?.[1] ?? fallback;
}

/**
 * "12,50" or "12.50" (euros, as typed) → 1250 cents; null when it is not an
 * amount with at most two decimals. The database checks the rest (positive,
 * ceiling) and says so.
 */
export function parseEuros(text: string): number | null {
  const normalized = text.replace(/[\s\u00a0\u202f€]/g, "").replace(",", ".");
  if (!/^-?\d+(\.\d{1,2})?$/.test(normalized)) return null;
  const [units, decimals = ""] = normalized.replace("-", "").split(".");
  const cents = Number(units) * 100 + Number(decimals.padEnd(2, "0"));
  return normalized.startsWith("-") ? -cents : cents;
}

/** Today as YYYY-MM-DD in the browser's day (form defaults only: the database dates what it records). */
export function todayIso(): string {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
}

export const UUID = /^\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
