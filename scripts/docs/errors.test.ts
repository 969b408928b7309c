import { describe, expect, it } from "vitest";
import { renderErrorsDoc, type ApiError } from "./errors.ts";

const errors: ApiError[] = [
  { code: "rule_violation", http_status: 422, sqlstate: "P0001", description: "The request breaks a business rule." },
  { code: "not_found", http_status: 404, sqlstate: "P0002", description: "No row with that id | or not yours." },
  { code: "invoice_locked", http_status: 409, sqlstate: "P0001", description: "The invoice is issued." },
  { code: "invalid_transition", http_status: 409, sqlstate: "P0001", description: "The status does not allow it." },
];

describe("renderErrorsDoc", () => {
  it("is deterministic: the order of the catalogue rows does not matter", () => {
    expect(renderErrorsDoc([...errors].reverse())).toBe(renderErrorsDoc(errors));
  });

  it("lists the codes by HTTP status, then code, with their SQLSTATE and meaning", () => {
    const rows = renderErrorsDoc(errors).split("\n").filter((l) => /^\| \d{3} /.test(l));
    expect(rows).toEqual([
      "| 404 Not Found | `not_found` | `P0002` | No row with that id \\| or not yours. |",
      "| 409 Conflict | `invalid_transition` | `P0001` | The status does not allow it. |",
      "| 409 Conflict | `invoice_locked` | `P0001` | The invoice is issued. |",
      "| 422 Unprocessable Content | `rule_violation` | `P0001` | The request breaks a business rule. |",
    ]);
  });

  it("refuses a status it has no name for (the doc would print undefined)", () => {
    expect(() => renderErrorsDoc([{ code: "teapot", http_status: 418, sqlstate: "P0001", description: "no" }])).toThrow(
      /Unknown HTTP status in the catalogue: teapot \(418\)/,
    );
  });
});
