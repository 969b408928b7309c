/** The back office's shared building blocks (web/src/office/ui). */
export { DataTable, type Column } from "./DataTable.tsx";
export { ErrorMessage } from "./ErrorMessage.tsx";
export { ItemResults, type ItemResult } from "./ItemResults.tsx";
export { NotFound } from "./NotFound.tsx";
export { toApiError, unwrap, useQuery, type ApiError, type QueryState } from "./useQuery.ts";
export * from "./format.ts";
