import { useMemo, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

export interface Column<T> {
  key: string;
  /** Text, or a control (a "select all" box) or hidden text for a column of row actions. */
  header: ReactNode;
  render: (row: T) => ReactNode;
  /** Makes the column sortable (on the rows shown: server-side order belongs to the query). */
  sortValue?: (row: T) => string | number | null;
  /** Right-aligned numbers and money. */
  numeric?: boolean;
  /** Class of the column's cells (e.g. pre-line for text typed with line breaks). */
  className?: string;
}

function cellClass<T>(column: Column<T>): string | undefined {
  return [column.numeric ? "numeric" : "", column.className ?? ""].filter(Boolean).join(" ") || undefined;
}

type Sort = { key: string; direction: "ascending" | "descending" } | null;

/** data-* attributes of a row (data-testid, data-…-id), for tests and scripts that find a row by what it is. */
type RowData = Record<`data-${string}`, string>;

/**
 * A table with a caption (its accessible name), sortable headers announced through
 * aria-sort, and an empty state. Row actions are links or buttons inside cells, so
 * they are reached with the keyboard like everything else.
 */
export function DataTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  empty,
  captionHidden = false,
  loading = false,
  testId,
  rowData,
}: {
  caption: ReactNode;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  empty?: ReactNode;
  captionHidden?: boolean;
  /** While the first rows load, no "empty" line. */
  loading?: boolean;
  testId?: string;
  rowData?: (row: T) => RowData;
}) {
  const { t } = useTranslation("office");
  const [sort, setSort] = useState<Sort>(null);

  const sorted = useMemo(() => {
    const column = sort && columns.find((c) => c.key === sort.key);
    if (!sort || !column?.sortValue) return rows;
    const value = column.sortValue;
    const factor = sort.direction === "ascending" ? 1 : -1;
    return [...rows].sort((a, b) => {
      const x = value(a);
      const y = value(b);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))) * factor;
    });
  }, [rows, columns, sort]);

  function toggle(key: string) {
    setSort((current) =>
      current?.key === key ? { key, direction: current.direction === "ascending" ? "descending" : "ascending" } : { key, direction: "ascending" },
    );
  }

  return (
    <div className="table-wrap">
      <table className="data-table" data-testid={testId}>
        <caption className={captionHidden ? "visually-hidden" : undefined}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th
                key={column.key}
                scope="col"
                className={column.numeric ? "numeric" : undefined}
                aria-sort={sort?.key === column.key ? sort.direction : undefined}
              >
                {column.sortValue ? (
                  <button type="button" className="sort-button" onClick={() => toggle(column.key)} aria-label={t("common.sortBy", { column: typeof column.header === "string" ? column.header : column.key })}>
                    {column.header}
                    <span aria-hidden="true">{sort?.key === column.key ? (sort.direction === "ascending" ? " ▲" : " ▼") : ""}</span>
                  </button>
                ) : (
                  column.header
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.length === 0 ? (
            loading ? null : (
              <tr>
                <td colSpan={columns.length} className="muted">
                  {empty ?? t("common.empty")}
                </td>
              </tr>
            )
          ) : (
            sorted.map((row) => (
              <tr key={rowKey(row)} {...rowData?.(row)}>
                {columns.map((column) => (
                  <td key={column.key} className={cellClass(column)}>
                    {column.render(row)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
