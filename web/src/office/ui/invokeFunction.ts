import type { TerrainClient } from "../../supabase.ts";
import type { ApiError } from "./useQuery.ts";

/**
 * Calls an edge function and returns its JSON answer, or throws an ApiError
 * carrying the function's own `{ error: { code, message } }` (the catalogue's
 * words, passed through by the function), so ErrorMessage shows it as is.
 */
export async function invokeFunction<T>(supabase: TerrainClient, name: string, body: Record<string, unknown>): Promise<T> {
  const { data, error } = await supabase.functions.invoke<T>(name, { body });
  if (!error) return data as T;
  const response = (error as { context?: unknown }).context;
  if (response instanceof Response) {
    type ErrorBody = { error?: { code?: string; message?: string }; message?: string };
    const parsed = (await response.json().catch(() => null)) as ErrorBody | null;
    const failure: ApiError = {
      message: parsed?.error?.message ?? parsed?.message ?? `HTTP ${response.status}`,
      code: parsed?.error?.code,
    };
    throw failure;
  }
  throw { message: error.message } satisfies ApiError;
}
