/**
 * The push function's secrets are checked when it boots: a missing or
 * malformed VAPID variable is a boot error of `push` alone, naming the
 * variables and never their values.
 */
import assert from "node:assert/strict";
import { EnvError } from "../_shared/env.ts";
import { readVapidEnv } from "./web_push.ts";

// A valid P-256 pair made for this test (node:crypto); test data only.
const PUBLIC_KEY =
  "BIX-qm5QOXBlgIF6vO4IpUEZ2nDFprBfuK1-Q4sY56LagKtl37AuAziN6mYy_parVXOdONc9lZKV6xIcffvEquw";
const PRIVATE_KEY = "Ja_54PWq6ZFB3ZnpPcOqgjdYWMpsq8TwV0p6ltmspac";

Deno.test("VAPID env: all three variables, well formed", () => {
  const env = readVapidEnv({
    VAPID_PUBLIC_KEY: PUBLIC_KEY,
    VAPID_PRIVATE_KEY: PRIVATE_KEY,
    VAPID_SUBJECT: "mailto:ops@example.com",
  });
  assert.equal(env.VAPID_PUBLIC_KEY, PUBLIC_KEY);
  assert.equal(env.VAPID_SUBJECT, "mailto:ops@example.com");
  assert.doesNotThrow(() =>
    readVapidEnv({
      VAPID_PUBLIC_KEY: PUBLIC_KEY,
      VAPID_PRIVATE_KEY: PRIVATE_KEY,
      VAPID_SUBJECT: "https://terrain.example",
    })
  );
});

Deno.test("VAPID env: missing variables are one boot error naming each of them", () => {
  assert.throws(
    () => readVapidEnv({}),
    (error: unknown) =>
      error instanceof EnvError &&
      /VAPID_PUBLIC_KEY \(missing\)/.test(error.message) &&
      /VAPID_PRIVATE_KEY \(missing\)/.test(error.message) &&
      /VAPID_SUBJECT \(missing\)/.test(error.message),
  );
});

Deno.test("VAPID env: malformed keys and subject are refused without echoing the values", () => {
  const cases: Record<string, string>[] = [
    { VAPID_PUBLIC_KEY: PRIVATE_KEY }, // 32 bytes: not a public point
    { VAPID_PUBLIC_KEY: "B" + PUBLIC_KEY.slice(1, -1) + "*" }, // not base64url
    { VAPID_PRIVATE_KEY: PUBLIC_KEY }, // 65 bytes: not a private scalar
    { VAPID_SUBJECT: "ops@example.com" }, // neither mailto: nor https:
    { VAPID_SUBJECT: "http://terrain.example" },
  ];
  for (const override of cases) {
    const [name, value] = Object.entries(override)[0]!;
    assert.throws(
      () =>
        readVapidEnv({
          VAPID_PUBLIC_KEY: PUBLIC_KEY,
          VAPID_PRIVATE_KEY: PRIVATE_KEY,
          VAPID_SUBJECT: "mailto:ops@example.com",
          ...override,
        }),
      (error: unknown) =>
        error instanceof EnvError && error.message.includes(name!) &&
        !error.message.includes(value!),
      `${name} = ${value}`,
    );
  }
});
