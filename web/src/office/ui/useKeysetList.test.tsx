import { act, renderHook, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { useKeysetList, type NewestFirstCursor } from "./useKeysetList.ts";

type Row = NewestFirstCursor & { status: string };

/** 120 rows, newest first: created_at descends with the index. */
const ROWS: Row[] = Array.from({ length: 120 }, (_, i) => ({
  id: `00000000-0000-4000-8000-${String(1000 - i).padStart(12, "0")}`,
  created_at: new Date(Date.UTC(2026, 0, 1) - i * 60_000).toISOString(),
  status: i % 2 ? "sent" : "draft",
}));

/** The list's rows as the database would answer newestFirstPage: those of the filter after the cursor, at most size + 1. */
function answer({ status }: Record<"status", string>, after: NewestFirstCursor | null, size: number): Promise<Row[]> {
  const matching = ROWS.filter((r) => !status || r.status === status);
  const start = after ? matching.findIndex((r) => r.id === after.id) + 1 : 0;
  return Promise.resolve(matching.slice(start, start + size + 1));
}

afterEach(() => window.history.replaceState(null, "", "/"));

describe("useKeysetList", () => {
  it("reads its filters from the URL, pages on from the last row shown, and goes back to the first page", async () => {
    window.history.replaceState(null, "", "/office/quotes?status=sent");
    const { result } = renderHook(() => useKeysetList(["status"] as const, answer, [], 50));
    await waitFor(() => expect(result.current.rows).toHaveLength(50));
    expect(result.current.filters.status).toBe("sent");
    expect(result.current.rows!.every((r) => r.status === "sent")).toBe(true);
    expect(result.current.more).toBe(true);
    expect(result.current.paged).toBe(false);

    const lastShown = result.current.rows![49]!;
    act(() => result.current.next());
    await waitFor(() => expect(result.current.rows?.[0]?.id).not.toBe(ROWS[1]!.id));
    expect(result.current.rows).toHaveLength(10);
    expect(result.current.rows![0]!.created_at < lastShown.created_at).toBe(true);
    expect(result.current.more).toBe(false);
    expect(result.current.paged).toBe(true);

    act(() => result.current.first());
    await waitFor(() => expect(result.current.rows).toHaveLength(50));
    expect(result.current.paged).toBe(false);
  });

  it("writes a filter change into the URL and starts again from the first page", async () => {
    const { result } = renderHook(() => useKeysetList(["status"] as const, answer, [], 50));
    await waitFor(() => expect(result.current.rows).toHaveLength(50));
    act(() => result.current.next());
    await waitFor(() => expect(result.current.paged).toBe(true));
    act(() => result.current.setFilters({ status: "draft" }));
    await waitFor(() => expect(result.current.rows?.every((r) => r.status === "draft")).toBe(true));
    expect(result.current.paged).toBe(false);
    expect(window.location.search).toBe("?status=draft");
  });
});
