/**
 * The back office's global search: a command palette opened by Ctrl+K (Cmd+K
 * on a Mac) or the header's button. What it finds is what public.search
 * answers for the signed-in user — the database's row-level security decides,
 * the palette only shows and opens the rows.
 *
 * ARIA combobox pattern (WAI-ARIA APG, "combobox with listbox popup"): the
 * input is the combobox and keeps the focus; the active option is named by
 * aria-activedescendant; options are grouped by kind (role=group). Arrow keys,
 * Home and End move, Enter opens, Escape closes and focus goes back where it
 * was. A native modal <dialog> keeps the rest of the page inert meanwhile.
 */
import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { navigate } from "../../router.tsx";
import { useOffice } from "../context.tsx";
import { ErrorMessage, unwrap, useQuery } from "../ui/index.ts";
import "./i18n.ts";
import { groupResults, moveActive, safeOfficePath, type SearchRow } from "./results.ts";
import "./search.css";

const DEBOUNCE_MS = 200;
const MIN_LENGTH = 2;

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export default function SearchPalette() {
  const { t } = useTranslation("search");
  const { supabase, org } = useOffice();
  const dialog = useRef<HTMLDialogElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const returnFocus = useRef<HTMLElement | null>(null);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(-1);
  const ids = useId();
  const listboxId = `${ids}-listbox`;
  const optionId = (index: number) => `${ids}-option-${index}`;

  const typed = useDebounced(query.trim(), DEBOUNCE_MS);
  const searchable = typed.length >= MIN_LENGTH;
  const results = useQuery<SearchRow[]>(
    async () => (searchable ? (unwrap(await supabase.rpc("search", { p_org_id: org.id, p_query: typed, p_limit: 20 })) ?? []) : []),
    [supabase, org.id, typed, searchable],
  );
  const rows = searchable ? (results.data ?? []) : [];
  const { groups, flat } = groupResults(rows);
  const pending = query.trim() !== typed || results.loading;

  // A new answer starts with nothing chosen.
  useEffect(() => setActive(-1), [results.data]);

  const open = useCallback(() => {
    const node = dialog.current;
    if (!node || node.open) return;
    returnFocus.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    node.showModal();
    input.current?.focus();
    input.current?.select();
  }, []);

  const close = useCallback((restoreFocus: boolean) => {
    const node = dialog.current;
    if (node?.open) node.close();
    if (restoreFocus) returnFocus.current?.focus();
  }, []);

  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "k") {
        event.preventDefault();
        open();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);

  function go(row: SearchRow | undefined) {
    const path = row && safeOfficePath(row.url_hint);
    if (!path) return;
    // The page opened takes the focus (its heading), so it is not given back to the header.
    close(false);
    setQuery("");
    navigate(path);
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp":
        event.preventDefault();
        setActive((current) => moveActive(current, flat.length, event.key as "ArrowDown" | "ArrowUp"));
        break;
      case "Home":
      case "End":
        if (flat.length === 0) return;
        event.preventDefault();
        setActive(moveActive(active, flat.length, event.key));
        break;
      case "Enter":
        event.preventDefault();
        go(flat[active >= 0 ? active : 0]);
        break;
      case "Escape":
        // Handled here rather than left to the dialog's "cancel", which a browser may skip or repeat.
        event.preventDefault();
        close(true);
        break;
    }
  }

  useEffect(() => {
    if (active >= 0) document.getElementById(optionId(active))?.scrollIntoView({ block: "nearest" });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active]);

  const status = !searchable
    ? t("hint")
    : pending
      ? t("searching")
      : flat.length === 0
        ? t("noResults", { query: typed })
        : t("count", { count: flat.length });

  return (
    <>
      <button type="button" className="search-open" onClick={open} aria-keyshortcuts="Control+K Meta+K" data-testid="search-open">
        <span>{t("open")}</span> <kbd aria-hidden="true">{t("shortcut")}</kbd>
      </button>
      <dialog
        ref={dialog}
        className="search-palette"
        aria-label={t("dialogLabel")}
        // Escape: the browser closes a modal dialog through "cancel"; the focus goes back where it was.
        onCancel={(event) => {
          event.preventDefault();
          close(true);
        }}
        onClick={(event) => {
          if (event.target === dialog.current) close(true); // a click on the backdrop
        }}
      >
        <div className="search-body">
          <div className="search-input-row">
            <label htmlFor={`${ids}-input`} className="visually-hidden">
              {t("inputLabel")}
            </label>
            <input
              ref={input}
              id={`${ids}-input`}
              type="text"
              role="combobox"
              autoComplete="off"
              spellCheck={false}
              aria-expanded={flat.length > 0}
              aria-controls={listboxId}
              aria-autocomplete="list"
              aria-activedescendant={active >= 0 ? optionId(active) : undefined}
              aria-describedby={`${ids}-status`}
              placeholder={t("placeholder")}
              value={query}
              maxLength={100}
              onChange={(event) => setQuery(event.target.value)}
              onKeyDown={onKeyDown}
            />
            <button type="button" className="button inline" onClick={() => close(true)}>
              {t("close")}
            </button>
          </div>
          <p id={`${ids}-status`} role="status" className="search-status muted">
            {status}
          </p>
          <ErrorMessage error={searchable ? results.error : null} />
          <div id={listboxId} role="listbox" aria-label={t("dialogLabel")} className="search-results">
            {groups.map((group) => (
              <div key={group.kind} role="group" aria-labelledby={`${ids}-group-${group.kind}`} className="search-group">
                <div id={`${ids}-group-${group.kind}`} role="presentation" className="search-group-label">
                  {t(`kind.${group.kind}`)}
                </div>
                {group.rows.map(({ row, index }) => (
                  <div
                    key={`${row.kind}:${row.id}`}
                    id={optionId(index)}
                    role="option"
                    aria-selected={index === active}
                    className="search-option"
                    data-kind={row.kind}
                    // Keep the focus in the input: a click chooses, it does not move the focus.
                    onMouseDown={(event) => event.preventDefault()}
                    onMouseMove={() => setActive(index)}
                    onClick={() => go(row)}
                  >
                    <span className="search-option-title">{row.title}</span>
                    {row.subtitle && <span className="search-option-subtitle">{row.subtitle}</span>}
                  </div>
                ))}
              </div>
            ))}
          </div>
        </div>
      </dialog>
    </>
  );
}
