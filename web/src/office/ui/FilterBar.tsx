/**
 * The filters above a list: one labelled form (a landmark named "Filters"
 * unless told otherwise) that never submits — each control applies itself as
 * it changes — and the selects of the lists and forms: labelled, or inline in a row.
 */
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

export function FilterBar({ label, className, search = false, children }: { label?: string; className?: string; search?: boolean; children: ReactNode }) {
  const { t } = useTranslation("office");
  return (
    <form
      className={className ? `toolbar ${className}` : "toolbar"}
      aria-label={label ?? t("common.filters")}
      {...(search ? { role: "search" } : {})}
      onSubmit={(event) => event.preventDefault()}
    >
      {children}
    </form>
  );
}

export interface Choice {
  value: string;
  label: string;
}

/** A labelled select; `placeholder` is the empty value's option (any, none, all…). */
export function SelectField({
  id,
  label,
  value,
  onChange,
  choices,
  placeholder,
  required = false,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  choices: readonly Choice[];
  placeholder?: string;
  required?: boolean;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} required={required} onChange={(event) => onChange(event.target.value)}>
        {placeholder !== undefined && <option value="">{placeholder}</option>}
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** People, clients or sites as select choices: their id, under their name. */
export function namedChoices(rows: readonly { id: string; name: string }[]): Choice[] {
  return rows.map((row) => ({ value: row.id, label: row.name }));
}

/** A select inside a table row: no visible label, its accessible name says which row it acts on. */
export function InlineSelect({
  label,
  value,
  onChange,
  choices,
  placeholder,
  className,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  choices: readonly Choice[];
  placeholder: string;
  className?: string;
}) {
  return (
    <select className={className} aria-label={label} value={value} onChange={(event) => onChange(event.target.value)}>
      <option value="">{placeholder}</option>
      {choices.map((choice) => (
        <option key={choice.value} value={choice.value}>
          {choice.label}
        </option>
      ))}
    </select>
  );
}
