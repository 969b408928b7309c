/** Rows ticked for a bulk action (by id), and the table column of their boxes. */
import { useCallback, useState } from "react";
import type { Column } from "./DataTable.tsx";

export interface Selection {
  selected: ReadonlySet<string>;
  toggle: (id: string) => void;
  /** Ticks exactly these (none: clears). */
  select: (ids: Iterable<string>) => void;
}

export function useSelection(): Selection {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const toggle = useCallback(
    (id: string) =>
      setSelected((current) => {
        const copy = new Set(current);
        if (copy.has(id)) copy.delete(id);
        else copy.add(id);
        return copy;
      }),
    [],
  );
  const select = useCallback((ids: Iterable<string>) => setSelected(new Set(ids)), []);
  return { selected, toggle, select };
}

/** A first column of checkboxes, each named after its row; the header's box ticks or clears every row shown. */
export function selectionColumn<T extends { id: string }>(rows: T[], selection: Selection, labels: { all: string; row: (row: T) => string }): Column<T> {
  const allSelected = rows.length > 0 && rows.every((row) => selection.selected.has(row.id));
  return {
    key: "select",
    header: (
      <input type="checkbox" aria-label={labels.all} checked={allSelected} onChange={() => selection.select(allSelected ? [] : rows.map((row) => row.id))} />
    ),
    render: (row) => <input type="checkbox" aria-label={labels.row(row)} checked={selection.selected.has(row.id)} onChange={() => selection.toggle(row.id)} />,
  };
}
