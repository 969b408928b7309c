import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { formatMoney } from "../ui/format.ts";
import { AXIS_LABEL_SPACE, axisLabel, Chart, daySeconds } from "./Chart.tsx";

const props = {
  title: "Revenue by month",
  x: ["2026-01-01", "2026-02-01"],
  unit: "month" as const,
  series: [
    { label: "Invoiced", values: [10000, 20000] },
    { label: "Collected", values: [0, null] },
  ],
  formatValue: (cents: number) => formatMoney(cents, "EUR", "en-GB"),
};

describe("Chart", () => {
  it("always carries its data as a table: caption, column and row headers, formatted values", () => {
    render(<Chart {...props} />);
    const table = screen.getByRole("table", { name: "Revenue by month" });
    expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Month", "Invoiced", "Collected"]);
    expect(within(table).getAllByRole("rowheader").map((h) => h.textContent)).toEqual(["January 2026", "February 2026"]);
    expect(within(table).getAllByRole("cell").map((c) => c.textContent)).toEqual(["€100.00", "€0.00", "€200.00", "—"]);
    expect(screen.getByRole("figure", { name: "Revenue by month" })).toBeInTheDocument();
  });

  it("shows the table, and says so, where the browser gives no 2D canvas to draw on (as this DOM)", async () => {
    render(<Chart {...props} />);
    expect(await screen.findByText("The chart could not be drawn; the data is in the table.")).toBeInTheDocument();
    const toggle = screen.getByRole("button", { name: "Show the data as a table" });
    expect(toggle).toHaveAttribute("aria-pressed", "true");
    expect(toggle).toBeDisabled();
    const holder = screen.getByRole("region", { name: "Revenue by month" });
    expect(holder).not.toHaveClass("visually-hidden");
    expect(within(holder).getByRole("table", { name: "Revenue by month" })).toBeInTheDocument();
  });

  it("says when there is nothing to draw", () => {
    render(<Chart {...props} x={[]} series={[]} />);
    expect(screen.getByText("No data for this period.")).toBeInTheDocument();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("labels the x axis briefly: every day's and month's label fits in the space kept between two ticks", () => {
    // 7 px a character: the width of the axis font's widest lower-case letters (uPlot draws 12 px system sans-serif).
    const widthOf = (label: string) => label.length * 7;
    const days = Array.from({ length: 365 }, (_, i) => new Date(2026, 0, 1 + i)).map(
      (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`,
    );
    for (const locale of ["fr-FR", "en-GB"]) {
      for (const day of days) expect(widthOf(axisLabel(day, "day", locale)), `${locale} ${day}`).toBeLessThan(AXIS_LABEL_SPACE.day);
      for (const month of days.filter((d) => d.endsWith("-01"))) {
        expect(widthOf(axisLabel(month, "month", locale)), `${locale} ${month}`).toBeLessThan(AXIS_LABEL_SPACE.month);
      }
    }
    expect(axisLabel("2026-09-10", "day", "fr-FR")).toBe("10 sept.");
    expect(axisLabel("2026-09-01", "month", "fr-FR")).toBe("sept. 26");
  });

  it("reads days as local calendar days", () => {
    expect(new Date(daySeconds("2026-03-29") * 1000).getDate()).toBe(29);
  });
});
