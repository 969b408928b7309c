import { render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { i18n } from "../i18n/index.ts";
import { TerrainDb, type OutboxAction } from "../offline/db.ts";
import { refusalOf, refusedActions } from "../offline/outbox.ts";
import { RefusalText } from "./RefusalText.tsx";

let db: TerrainDb;

beforeEach(async () => {
  db = new TerrainDb(`refusal-test-${crypto.randomUUID()}`);
  await db.open();
  await i18n.changeLanguage("fr");
});

afterEach(async () => {
  await db.delete();
});

/** A refused action as it lies in IndexedDB, written as-is (an earlier version's record has no code). */
async function storedRefusal(refusal: unknown, lastError: string | null = null): Promise<OutboxAction> {
  await db.outbox.add({
    key: crypto.randomUUID(),
    kind: "record_stock_use",
    args: { p_item_id: "i1", p_quantity: 99, p_mission_id: "m1" },
    missionId: "m1",
    createdAt: "2026-12-03T09:00:00.000Z",
    state: "refused",
    attempts: 1,
    nextAttemptAt: 0,
    lastError,
    refusal,
  } as OutboxAction);
  return (await refusedActions(db))[0]!;
}

describe("RefusalText", () => {
  it("shows an outbox refusal in French through the catalogue's translation, its code on the element", async () => {
    const action = await storedRefusal({ status: 409, code: "insufficient_stock", message: "Insufficient stock. Available: 8, Requested: 99" });
    render(<RefusalText refusal={refusalOf(action)} />);
    const shown = screen.getByText("Stock insuffisant : 8 disponible(s), 99 demandé(s).");
    expect(shown).toHaveAttribute("data-error-code", "insufficient_stock");
  });

  it("shows a record written without a code (an earlier version's outbox): known words translated, others as they are", async () => {
    const known = await storedRefusal({ status: 409, message: "Insufficient stock. Available: 8, Requested: 99" });
    const { unmount } = render(<RefusalText refusal={refusalOf(known)} />);
    expect(screen.getByText("Stock insuffisant : 8 disponible(s), 99 demandé(s).")).not.toHaveAttribute("data-error-code");
    unmount();
    await db.outbox.clear();

    const unknown = await storedRefusal({ status: 409, message: "Mission m1 was archived" });
    render(<RefusalText refusal={refusalOf(unknown)} />);
    expect(screen.getByText("Mission m1 was archived")).toBeInTheDocument();
  });

  it("a refused record without any refusal still says what the server last answered", async () => {
    const action = await storedRefusal(null, "HTTP 409");
    render(<RefusalText refusal={refusalOf(action)} />);
    expect(screen.getByText("HTTP 409")).toBeInTheDocument();
  });

  it("keeps the catalogue's English beside a translation that only names the kind of refusal", async () => {
    const action = await storedRefusal({ status: 409, code: "mission_closed", message: "Mission m1 is done" });
    render(<RefusalText refusal={refusalOf(action)} format={(message) => `Motif : ${message}`} />);
    expect(screen.getByText(/^Motif : L’intervention est terminée/)).toBeInTheDocument();
    expect(screen.getByText("(Mission m1 is done)")).toHaveAttribute("lang", "en");
  });

  it("English shows the catalogue's message as it is", async () => {
    await i18n.changeLanguage("en");
    const action = await storedRefusal({ status: 409, code: "insufficient_stock", message: "Insufficient stock. Available: 8, Requested: 99" });
    render(<RefusalText refusal={refusalOf(action)} />);
    expect(screen.getByText("Insufficient stock. Available: 8, Requested: 99")).toBeInTheDocument();
  });
});
