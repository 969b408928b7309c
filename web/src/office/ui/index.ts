/** The back office's shared building blocks (web/src/office/ui). */
export { ConfirmAction } from "./ConfirmAction.tsx";
export { DataTable, type Column } from "./DataTable.tsx";
export { DownloadFeedback, saveFile, useDownload, type Download } from "./download.tsx";
export { ErrorMessage } from "./ErrorMessage.tsx";
export { FilterBar, InlineSelect, namedChoices, SelectField, type Choice } from "./FilterBar.tsx";
export { KeysetTable } from "./KeysetTable.tsx";
export { ItemResults, type ItemResult } from "./ItemResults.tsx";
export { NotFound } from "./NotFound.tsx";
export { selectionColumn, useSelection, type Selection } from "./selection.tsx";
export { ActionFeedback, useAction, type Action } from "./useAction.tsx";
export { newestFirstPage, useKeysetList, type KeysetList, type NewestFirstCursor } from "./useKeysetList.ts";
export { toApiError, unwrap, useQuery, type ApiError, type QueryState } from "./useQuery.ts";
export * from "./format.ts";
