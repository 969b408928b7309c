/**
 * A keyset list (useKeysetList) shown: its error with a retry, the table of
 * the page, and the page controls — back to the first page once past it, on
 * to the next when there is one.
 */
import { useTranslation } from "react-i18next";
import { DataTable, type Column } from "./DataTable.tsx";
import { ErrorMessage } from "./ErrorMessage.tsx";
import type { KeysetList } from "./useKeysetList.ts";

export function KeysetTable<T extends { id: string }, K extends string>({
  list,
  caption,
  columns,
  empty,
}: {
  list: KeysetList<T, K>;
  caption: string;
  columns: Column<T>[];
  empty: string;
}) {
  const { t } = useTranslation("office");
  return (
    <>
      <ErrorMessage error={list.error} onRetry={list.reload} />
      {list.rows ? (
        <>
          <DataTable caption={caption} columns={columns} rows={list.rows} rowKey={(row) => row.id} empty={empty} />
          <div className="pager">
            {list.paged && (
              <button type="button" className="button inline" onClick={list.first}>
                {t("common.firstPage")}
              </button>
            )}
            {list.more && (
              <button type="button" className="button inline" onClick={list.next}>
                {t("common.nextPage")}
              </button>
            )}
          </div>
        </>
      ) : (
        list.loading && <p className="muted">{t("common.loading")}</p>
      )}
    </>
  );
}
