import { describe, expect, it } from "vitest";
import { newCriticalAlerts } from "./sound.ts";

const alert = (id: string, severity = "critical", status = "firing") => ({ id, severity, status });

describe("newCriticalAlerts", () => {
  it("treats what was open when the page loaded as already seen", () => {
    const first = newCriticalAlerts(null, [alert("a"), alert("b", "warning")]);
    expect(first.fresh).toEqual([]);
    expect([...first.seen].sort()).toEqual(["a", "b"]);
  });

  it("names only critical firing alerts that appear later, once each", () => {
    const { seen } = newCriticalAlerts(null, [alert("a")]);
    const second = newCriticalAlerts(seen, [alert("a"), alert("c"), alert("d", "warning"), alert("e", "critical", "acknowledged")]);
    expect(second.fresh).toEqual(["c"]);
    const third = newCriticalAlerts(second.seen, [alert("a"), alert("c")]);
    expect(third.fresh).toEqual([]);
  });
});
