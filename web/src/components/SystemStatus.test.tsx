import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { parseHealth, type HealthReport } from "../health.ts";
import { SystemStatus } from "./SystemStatus.tsx";

const report: HealthReport = parseHealth({
  version: "0.1.0",
  checks: {
    database: { ok: true, latency_ms: 2, server_version: "15.14" },
    migrations: { ok: true, latency_ms: 1, applied: 4 },
    pg_cron: { ok: false, latency_ms: 1, version: null, launcher_running: false, error: "extension missing" },
  },
});

describe("SystemStatus", () => {
  it("shows each check with its state and detail, and the version", async () => {
    render(<SystemStatus loadHealth={async () => report} />);

    const items = await screen.findAllByRole("listitem");
    expect(items.map((item) => item.textContent)).toEqual([
      "DatabaseOKPostgreSQL 15.14 · 2 ms",
      "MigrationsOK4 applied · 1 ms",
      "pg_cronFailingextension missing",
    ]);
    expect(screen.getByText("Some checks are not passing.")).toBeInTheDocument();
    expect(screen.getByText(/Version 0\.1\.0/)).toBeInTheDocument();
  });

  it("shows the error in an alert and checks again on request", async () => {
    const loadHealth = vi
      .fn<() => Promise<HealthReport>>()
      .mockRejectedValueOnce(new Error("Health check answered HTTP 401: Invalid JWT"))
      .mockResolvedValueOnce(parseHealth({ checks: { database: true, migrations: true, pg_cron: true } }));
    render(<SystemStatus loadHealth={loadHealth} />);

    expect(await screen.findByRole("alert")).toHaveTextContent("Health check answered HTTP 401: Invalid JWT");

    await userEvent.setup().click(screen.getByRole("button", { name: "Check again" }));
    expect(await screen.findByText("All checks pass.")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(within(screen.getByRole("list")).getAllByText("OK")).toHaveLength(3);
    expect(screen.getByText(/Version not reported/)).toBeInTheDocument();
  });
});
