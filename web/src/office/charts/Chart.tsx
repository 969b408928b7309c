/**
 * The back office's one chart component (alerts over time, stock levels,
 * revenue): a line, step or bar chart of one or more series over days or
 * months, drawn by uPlot (~50 kB minified, canvas; chosen over Recharts and
 * its D3 dependencies for size), which loads in its own chunk the first time a
 * chart is shown — never with the sign-in screen nor with a screen without one.
 *
 * Accessible by construction: the canvas is decoration (aria-hidden); the data
 * is always in a real table (caption, column and row headers) that screen
 * readers read, visually hidden until "Show the data as a table" is pressed.
 * Series differ by dash pattern as well as colour, and are named in the
 * legend, so no meaning rests on colour alone.
 */
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { currentLocale, formatDate, formatNumber } from "../ui/format.ts";
import "./charts.css";
import "./i18n.ts";

export interface ChartSeries {
  label: string;
  /** One value per x, null where there is none. */
  values: ReadonlyArray<number | null>;
}

export interface ChartProps {
  /** What the chart shows: the figure's caption and the table's. */
  title: string;
  /** Calendar days as "YYYY-MM-DD" (for months: the first day of each month). */
  x: readonly string[];
  unit?: "day" | "month";
  series: readonly ChartSeries[];
  kind?: "line" | "steps" | "bars";
  /** How a value reads (table, axis, legend): e.g. cents → formatMoney. */
  formatValue?: (value: number) => string;
  height?: number;
}

const COLORS = ["#1f5135", "#b3541e", "#2f5fa7", "#7a3e9d", "#5a635d"];
const DASHES: number[][] = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4]];

/** Local midnight of a "YYYY-MM-DD" day, in seconds (uPlot's time unit; it draws in local time). */
export function daySeconds(day: string): number {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y!, m! - 1, d!).getTime() / 1000;
}

/**
 * The least room, in CSS pixels, uPlot keeps between two x-axis ticks: wider
 * than any short label (axisLabel), so labels never run into each other — on
 * a narrow chart uPlot labels every other day, week or month instead.
 */
export const AXIS_LABEL_SPACE = { day: 80, month: 72 } as const;

/** An x-axis tick's label: "10 sept." for a day, "sept. 26" for a month (the table and the legend give the full date). */
export function axisLabel(day: string, unit: "day" | "month", locale: string): string {
  const options: Intl.DateTimeFormatOptions = unit === "month" ? { month: "short", year: "2-digit" } : { day: "numeric", month: "short" };
  return new Intl.DateTimeFormat(locale, options).format(new Date(daySeconds(day) * 1000));
}

export function Chart({ title, x, unit = "day", series, kind = "line", formatValue = formatNumber, height = 260 }: ChartProps) {
  const { t } = useTranslation("charts");
  const holder = useRef<HTMLDivElement>(null);
  const [tableShown, setTableShown] = useState(false);
  const [drawFailed, setDrawFailed] = useState(false);
  const ids = useId();
  const locale = currentLocale();
  const formatX = (day: string) =>
    unit === "month"
      ? new Intl.DateTimeFormat(locale, { month: "long", year: "numeric" }).format(new Date(daySeconds(day) * 1000))
      : formatDate(day, locale);
  // Redraw only when the data itself changes, not on every render of the caller.
  const signature = useMemo(() => JSON.stringify([x, series, kind, height, unit, locale]), [x, series, kind, height, unit, locale]);

  useEffect(() => {
    const node = holder.current;
    if (!node || x.length === 0) return;
    let plot: { destroy(): void; setSize(size: { width: number; height: number }): void } | undefined;
    let cancelled = false;
    const resize = typeof ResizeObserver === "undefined" ? undefined : new ResizeObserver(() => plot?.setSize({ width: node.clientWidth, height }));
    import("./uplot.ts")
      .then(({ default: uPlot }) => {
        if (cancelled) return;
        // No 2D canvas (turned off by a privacy setting, or a DOM without one):
        // uPlot would build anyway and then throw from a microtask of its own,
        // out of reach of this catch. The table is the chart then.
        if (!node.ownerDocument.createElement("canvas").getContext("2d")) {
          setDrawFailed(true);
          return;
        }
        const paths =
          kind === "bars" ? uPlot.paths.bars?.({ size: [0.6, 60] }) : kind === "steps" ? uPlot.paths.stepped?.({ align: 1 }) : undefined;
        plot = new uPlot(
          {
            width: node.clientWidth || 640,
            height,
            scales: { x: { time: true } },
            axes: [
              { space: AXIS_LABEL_SPACE[unit], values: (_u, ticks) => ticks.map((s) => axisLabel(isoDay(s), unit, locale)) },
              { values: (_u, ticks) => ticks.map((v) => formatValue(v)), size: 80 },
            ],
            series: [
              { label: unit === "month" ? t("month") : t("date"), value: (_u, s) => (s == null ? "—" : formatX(isoDay(s))) },
              ...series.map((s, i) => ({
                label: s.label,
                stroke: COLORS[i % COLORS.length],
                width: 2,
                dash: DASHES[i % DASHES.length],
                ...(kind === "bars" ? { fill: `${COLORS[i % COLORS.length]}55` } : {}),
                ...(paths ? { paths } : {}),
                value: (_u: unknown, v: number | null) => (v == null ? "—" : formatValue(v)),
              })),
            ],
          },
          [x.map(daySeconds), ...series.map((s) => [...s.values])],
          node,
        );
        resize?.observe(node);
      })
      .catch(() => {
        if (!cancelled) setDrawFailed(true);
      });
    return () => {
      cancelled = true;
      resize?.disconnect();
      plot?.destroy();
    };
    // The signature stands for every input of the drawing.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [signature]);

  const tableId = `${ids}-table`;
  return (
    <figure className="chart" aria-labelledby={`${ids}-caption`}>
      <figcaption id={`${ids}-caption`} className="chart-title">
        {title}
      </figcaption>
      {x.length === 0 ? (
        <p className="muted">{t("noData")}</p>
      ) : (
        <>
          <div ref={holder} className="chart-canvas" aria-hidden="true" />
          {drawFailed && <p className="muted">{t("drawFailed")}</p>}
          <button
            type="button"
            className="button inline chart-toggle"
            aria-pressed={tableShown || drawFailed}
            aria-controls={tableId}
            disabled={drawFailed}
            onClick={() => setTableShown((shown) => !shown)}
          >
            {t("showTable")}
          </button>
          {/* Shown, the table scrolls within its box (a year of days): a focusable, named region, so
              keyboard users can scroll it too. Hidden, it is just the screen readers' copy of the chart. */}
          <div
            id={tableId}
            className={tableShown || drawFailed ? "table-wrap chart-table" : "visually-hidden"}
            {...(tableShown || drawFailed ? { tabIndex: 0, role: "region", "aria-label": title } : {})}
          >
            <table className="data-table">
              <caption>{title}</caption>
              <thead>
                <tr>
                  <th scope="col">{unit === "month" ? t("month") : t("date")}</th>
                  {series.map((s) => (
                    <th key={s.label} scope="col" className="numeric">
                      {s.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {x.map((day, i) => (
                  <tr key={day}>
                    <th scope="row">{formatX(day)}</th>
                    {series.map((s) => {
                      const value = s.values[i];
                      return (
                        <td key={s.label} className="numeric">
                          {value == null ? "—" : formatValue(value)}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </figure>
  );
}

/** The local calendar day of a uPlot x value (seconds), as "YYYY-MM-DD". */
function isoDay(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}
