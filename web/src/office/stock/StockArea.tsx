/**
 * /office/stock: the items with their stock on hand and a state badge in words
 * (critical: the stock-critical alert's view; low: below the minimum, the
 * stock_low view); /office/stock/<id>: the item's movement ledger (keyset on
 * item_seq, newest first) and, for owners and admins, recording a movement.
 * Negative stock is refused by the database; its message is shown as it is.
 */
import { useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { Link } from "../../router.tsx";
import type { AreaProps } from "../areas.ts";
import { useOffice } from "../context.tsx";
import { loadNames } from "../dispatch/people.ts";
import { useQueryParams, UUID } from "../ui/urlState.ts";
import { DataTable, ErrorMessage, FilterBar, formatDateTime, formatMoney, formatNumber, NotFound, parseDecimal, toApiError, unwrap, useQuery, type ApiError, type Column } from "../ui/index.ts";
import "./i18n.ts";
import "./stock.css";

export default function StockArea({ path, base }: AreaProps) {
  if (path === "" || path === "/") return <StockList base={base} />;
  const id = path.slice(1);
  if (UUID.test(id)) return <StockItem key={id} id={id.toLowerCase()} base={base} />;
  return <NotFound />;
}

interface ItemRow {
  id: string;
  sku: string;
  name: string;
  unit: string;
  on_hand: number;
  min_stock: number;
}

type Level = "critical" | "low" | "ok";

function LevelBadge({ level }: { level: Level }) {
  const { t } = useTranslation("stock");
  // The word carries the meaning; the colour and the sign only repeat it.
  const sign = level === "critical" ? "⛔ " : level === "low" ? "⚠ " : "";
  return (
    <span className={`chip stock-${level}`} data-testid="stock-level">
      <span aria-hidden="true">{sign}</span>
      {t(`badge.${level}`)}
    </span>
  );
}

async function levelsOf(supabase: ReturnType<typeof useOffice>["supabase"], orgId: string): Promise<{ critical: Set<string>; low: Set<string> }> {
  const [critical, low] = await Promise.all([
    supabase.from("alert_stock_critical").select("entity_id").eq("org_id", orgId).then(unwrap),
    supabase.from("stock_low").select("item_id").eq("org_id", orgId).then(unwrap),
  ]);
  return {
    critical: new Set((critical as { entity_id: string }[]).map((r) => r.entity_id)),
    low: new Set((low as { item_id: string }[]).map((r) => r.item_id)),
  };
}

function StockList({ base }: { base: string }) {
  const { t } = useTranslation("stock");
  const { supabase, org } = useOffice();
  const [params, setParams] = useQueryParams(["q", "low"] as const);
  const items = useQuery(async () => {
    const [rows, levels] = await Promise.all([
      supabase.from("stock_items").select("id, sku, name, unit, on_hand, min_stock").eq("org_id", org.id).order("sku").limit(1000).then(unwrap),
      levelsOf(supabase, org.id),
    ]);
    return { rows: rows as ItemRow[], levels };
  }, [supabase, org.id]);

  const levelOf = (id: string): Level => (items.data?.levels.critical.has(id) ? "critical" : items.data?.levels.low.has(id) ? "low" : "ok");
  const shown = useMemo(() => {
    const term = params.q.trim().toLowerCase();
    return (items.data?.rows ?? []).filter(
      (row) =>
        (!term || row.sku.toLowerCase().includes(term) || row.name.toLowerCase().includes(term)) &&
        (params.low !== "1" || items.data?.levels.low.has(row.id) || items.data?.levels.critical.has(row.id)),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [items.data, params.q, params.low]);

  const columns: Column<ItemRow>[] = [
    { key: "sku", header: t("list.sku"), render: (row) => row.sku },
    { key: "name", header: t("list.name"), render: (row) => <Link href={`${base}/${row.id}`}>{row.name}</Link> },
    { key: "onHand", header: t("list.onHand"), numeric: true, render: (row) => `${formatNumber(Number(row.on_hand))} ${row.unit}` },
    { key: "min", header: t("list.min"), numeric: true, render: (row) => `${formatNumber(Number(row.min_stock))} ${row.unit}` },
    { key: "state", header: t("list.state"), render: (row) => <LevelBadge level={levelOf(row.id)} /> },
  ];

  return (
    <Page title={t("list.title")}>
      <FilterBar search>
        <div className="field">
          <label htmlFor="stock-search">{t("list.search")}</label>
          <input id="stock-search" type="search" value={params.q} onChange={(e) => setParams({ q: e.target.value })} />
        </div>
        <label className="check-line">
          <input type="checkbox" checked={params.low === "1"} onChange={(e) => setParams({ low: e.target.checked ? "1" : "" })} /> {t("list.onlyLow")}
        </label>
      </FilterBar>
      <ErrorMessage error={items.error} onRetry={() => void items.reload()} />
      <DataTable
        caption={t("list.caption")}
        columns={columns}
        rows={shown}
        rowKey={(row) => row.id}
        loading={items.loading}
        empty={t("list.empty")}
        testId="stock-items"
        rowData={(row) => ({ "data-testid": "stock-row", "data-item-id": row.id })}
      />
    </Page>
  );
}

interface MovementRow {
  id: string;
  item_seq: number;
  kind: "in" | "out" | "adjustment";
  adjustment_direction: "up" | "down" | null;
  quantity: number;
  balance_after: number;
  reason: string | null;
  mission_id: string | null;
  author: string | null;
  created_at: string;
  missions: { title: string } | null;
}

const LEDGER_PAGE = 50;

function StockItem({ id, base }: { id: string; base: string }) {
  const { t } = useTranslation("stock");
  const { supabase, org, role } = useOffice();
  const [ledger, setLedger] = useState<MovementRow[]>([]);
  const [more, setMore] = useState(false);
  const [ledgerError, setLedgerError] = useState<ApiError | null>(null);
  const [authors, setAuthors] = useState<Map<string, string>>(new Map());

  const item = useQuery(async () => {
    const [rows, levels] = await Promise.all([
      supabase.from("stock_items").select("id, sku, name, unit, on_hand, min_stock, price_cents, cost_cents").eq("id", id).eq("org_id", org.id).limit(1).then(unwrap),
      levelsOf(supabase, org.id),
    ]);
    const row = (rows as (ItemRow & { price_cents: number; cost_cents: number })[])[0] ?? null;
    return { row, level: (row && levels.critical.has(row.id) ? "critical" : row && levels.low.has(row.id) ? "low" : "ok") as Level };
  }, [supabase, id, org.id]);

  async function loadLedger(before: number | null) {
    try {
      let query = supabase
        .from("stock_movements")
        .select("id, item_seq, kind, adjustment_direction, quantity, balance_after, reason, mission_id, author, created_at, missions(title)")
        .eq("org_id", org.id)
        .eq("item_id", id);
      if (before !== null) query = query.lt("item_seq", before);
      const page = unwrap(await query.order("item_seq", { ascending: false }).limit(LEDGER_PAGE + 1)) as unknown as MovementRow[];
      const rows = page.slice(0, LEDGER_PAGE);
      setLedger((current) => [...(before === null ? [] : current), ...rows]);
      setMore(page.length > LEDGER_PAGE);
      const names = await loadNames(supabase, rows.map((r) => r.author));
      setAuthors((current) => new Map([...current, ...names]));
      setLedgerError(null);
    } catch (caught) {
      setLedgerError(toApiError(caught));
    }
  }

  useEffect(() => {
    void loadLedger(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [supabase, id, org.id]);

  if (item.loading && item.data === undefined) return <p className="muted">{t("office:common.loading")}</p>;
  if (item.error) return <ErrorMessage error={item.error} onRetry={() => void item.reload()} />;
  const it = item.data?.row;
  if (!it) return <NotFound />;
  const kindOf = (m: MovementRow) => (m.kind === "adjustment" ? t(`detail.kinds.adjustment_${m.adjustment_direction ?? "up"}`) : t(`detail.kinds.${m.kind}`));
  const signed = (m: MovementRow) => `${m.kind === "in" || m.adjustment_direction === "up" ? "+" : "−"}${formatNumber(Number(m.quantity))}`;

  return (
    <Page title={`${it.name} (${it.sku})`} actions={<Link href={base}>{t("detail.back")}</Link>}>
      <div className="stock-top">
        <section className="card" aria-labelledby="item-facts">
          <h2 id="item-facts">{t("detail.facts")}</h2>
          <dl className="facts">
            <dt>{t("list.onHand")}</dt>
            <dd data-testid="item-on-hand">
              {formatNumber(Number(it.on_hand))} {it.unit}
            </dd>
            <dt>{t("list.min")}</dt>
            <dd>
              {formatNumber(Number(it.min_stock))} {it.unit}
            </dd>
            <dt>{t("list.state")}</dt>
            <dd>
              <LevelBadge level={item.data!.level} />
            </dd>
            <dt>{t("detail.price")}</dt>
            <dd>{formatMoney(it.price_cents)}</dd>
            <dt>{t("detail.cost")}</dt>
            <dd>{formatMoney(it.cost_cents)}</dd>
          </dl>
        </section>
        {role === "owner" || role === "admin" ? (
          <RecordMovement
            itemId={it.id}
            onRecorded={async () => {
              await Promise.all([item.reload(), loadLedger(null)]);
            }}
          />
        ) : (
          <p className="muted">{t("record.notAllowed")}</p>
        )}
      </div>
      <ErrorMessage error={ledgerError} onRetry={() => void loadLedger(null)} />
      <div className="table-wrap">
        <table className="data-table" data-testid="stock-ledger">
          <caption>{t("detail.ledgerCaption")}</caption>
          <thead>
            <tr>
              <th scope="col" className="numeric">
                {t("detail.seq")}
              </th>
              <th scope="col">{t("detail.when")}</th>
              <th scope="col">{t("detail.kind")}</th>
              <th scope="col" className="numeric">
                {t("detail.quantity")}
              </th>
              <th scope="col" className="numeric">
                {t("detail.balance")}
              </th>
              <th scope="col">{t("detail.reason")}</th>
              <th scope="col">{t("detail.mission")}</th>
              <th scope="col">{t("detail.author")}</th>
            </tr>
          </thead>
          <tbody>
            {ledger.map((m) => (
              <tr key={m.id} data-testid="ledger-row">
                <td className="numeric">{m.item_seq}</td>
                <td>{formatDateTime(m.created_at)}</td>
                <td>{kindOf(m)}</td>
                <td className="numeric">{signed(m)}</td>
                <td className="numeric">{formatNumber(Number(m.balance_after))}</td>
                <td>{m.reason ?? ""}</td>
                <td>{m.mission_id ? <Link href={`/office/missions/${m.mission_id}`}>{m.missions?.title ?? m.mission_id}</Link> : ""}</td>
                <td>{m.author ? (authors.get(m.author) ?? "…") : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {more ? (
        <button type="button" className="button inline" onClick={() => void loadLedger(ledger[ledger.length - 1]?.item_seq ?? null)}>
          {t("detail.more")}
        </button>
      ) : (
        ledger.length > 0 && <p className="muted">{t("detail.end")}</p>
      )}
    </Page>
  );
}

function RecordMovement({ itemId, onRecorded }: { itemId: string; onRecorded: () => Promise<void> }) {
  const { t } = useTranslation("stock");
  const { supabase, org } = useOffice();
  const [kind, setKind] = useState("in");
  const [quantity, setQuantity] = useState("");
  const [reason, setReason] = useState("");
  const [quantityInvalid, setQuantityInvalid] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit() {
    setError(null);
    setSaved("");
    // Not a number ("abc", "1,2,3"): said next to the field, nothing sent. The
    // database judges the number itself (positive, stock on hand).
    const amount = parseDecimal(quantity);
    setQuantityInvalid(amount === null);
    if (amount === null) {
      document.getElementById("movement-quantity")?.focus();
      return;
    }
    setBusy(true);
    const adjustment = kind === "up" || kind === "down";
    const { data, error: insertError } = await supabase
      .from("stock_movements")
      .insert({
        org_id: org.id,
        item_id: itemId,
        kind: adjustment ? "adjustment" : kind,
        adjustment_direction: adjustment ? kind : null,
        quantity: amount,
        reason: reason.trim() || null,
        idempotency_key: `office-${crypto.randomUUID()}`,
      })
      .select("balance_after")
      .single();
    setBusy(false);
    if (insertError) return setError(insertError);
    setQuantity("");
    setReason("");
    setSaved(t("record.saved", { onHand: formatNumber(Number((data as { balance_after: number }).balance_after)) }));
    await onRecorded();
  }

  return (
    <section className="card" aria-labelledby="record-title">
      <h2 id="record-title">{t("record.title")}</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <div className="field">
          <label htmlFor="movement-kind">{t("record.kind")}</label>
          <select id="movement-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="in">{t("record.in")}</option>
            <option value="out">{t("record.out")}</option>
            <option value="up">{t("record.up")}</option>
            <option value="down">{t("record.down")}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="movement-quantity">{t("record.quantity")}</label>
          <input
            id="movement-quantity"
            inputMode="decimal"
            value={quantity}
            onChange={(e) => setQuantity(e.target.value)}
            aria-invalid={quantityInvalid || undefined}
            aria-describedby={quantityInvalid ? "movement-quantity-error" : undefined}
          />
          {quantityInvalid && (
            <p id="movement-quantity-error" className="error-message">
              {t("record.notANumber")}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="movement-reason">{t("record.reason")}</label>
          <input id="movement-reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
        </div>
        <ErrorMessage error={error} />
        <p role="status" className="saved">
          {saved}
        </p>
        <button type="submit" className="button inline" disabled={busy}>
          {t("record.submit")}
        </button>
      </form>
    </section>
  );
}
