import { describe, expect, it } from "vitest";
import { vapidKeyBytes } from "./push.ts";

describe("vapidKeyBytes", () => {
  it("decodes the base64url public key of /config.json into the 65-byte uncompressed P-256 point subscribe() takes", () => {
    const key = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM";
    const bytes = vapidKeyBytes(key);
    expect(bytes).toHaveLength(65);
    expect(bytes[0]).toBe(0x04);
    // base64url's '-' and '_' are base64's '+' and '/': the round trip gives the key back.
    expect(btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")).toBe(key);
  });
});
