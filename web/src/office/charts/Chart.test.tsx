import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { formatMoney } from "../ui/format.ts";
import { Chart, daySeconds } from "./Chart.tsx";

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

  it("shows the table on demand (a toggle button), visually hidden otherwise", async () => {
    render(<Chart {...props} />);
    const toggle = screen.getByRole("button", { name: "Show the data as a table" });
    const holder = screen.getByRole("table", { name: "Revenue by month" }).parentElement!;
    expect(toggle).toHaveAttribute("aria-pressed", "false");
    expect(holder).toHaveClass("visually-hidden");
    await userEvent.setup().click(toggle);
    expect(toggle).toHaveAttribute("aria-pressed", "true");
    expect(holder).not.toHaveClass("visually-hidden");
  });

  it("says when there is nothing to draw", () => {
    render(<Chart {...props} x={[]} series={[]} />);
    expect(screen.getByText("No data for this period.")).toBeInTheDocument();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("reads days as local calendar days", () => {
    expect(new Date(daySeconds("2026-03-29") * 1000).getDate()).toBe(29);
  });
});
