import { describe, expect, it } from "vitest";
import { formatLogLine, levelForStatus } from "./log.ts";

describe("stack log line", () => {
  it("is one JSON object: ts, level, msg first, then the fields", () => {
    const line = formatLogLine("info", "request", { svc: "gateway", request_id: "r-1", status: 200 });
    expect(line).not.toContain("\n");
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(["ts", "level", "msg", "svc", "request_id", "status"]);
    expect(Number.isNaN(Date.parse(parsed.ts as string))).toBe(false);
    expect(parsed).toMatchObject({ level: "info", msg: "request", svc: "gateway", request_id: "r-1", status: 200 });
  });

  it("a field cannot override ts, level or msg", () => {
    const parsed = JSON.parse(formatLogLine("error", "boom", { ts: "x", level: "info", msg: "fine" })) as Record<string, unknown>;
    expect(parsed.level).toBe("error");
    expect(parsed.msg).toBe("boom");
    expect(parsed.ts).not.toBe("x");
  });

  it("levels follow the status as the functions' access lines do", () => {
    expect([200, 302, 404, 429, 500, 503].map(levelForStatus)).toEqual(["info", "info", "warn", "warn", "error", "error"]);
  });
});
