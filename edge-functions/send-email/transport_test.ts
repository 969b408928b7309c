import assert from "node:assert/strict";
import { resendOutcome, smtpOutcome } from "./transport.ts";

Deno.test("resend: 400 and 422 refuse the email itself (no retry); 429 comes back when told; the rest retries", () => {
  assert.deepEqual(resendOutcome(422, {}), { permanent: true, retryAfterSeconds: null });
  assert.deepEqual(resendOutcome(400, null), { permanent: true, retryAfterSeconds: null });
  assert.deepEqual(resendOutcome(429, { "retry-after": "90" }), {
    permanent: false,
    retryAfterSeconds: 90,
  });
  // A Retry-After that is not a number of seconds (an HTTP date, garbage): the usual backoff.
  assert.deepEqual(resendOutcome(429, { "retry-after": "Wed, 21 Oct 2026 07:28:00 GMT" }), {
    permanent: false,
    retryAfterSeconds: null,
  });
  assert.deepEqual(resendOutcome(429, { "retry-after": "-5" }), {
    permanent: false,
    retryAfterSeconds: null,
  });
  for (const status of [401, 403, 409, 500, 503, null, undefined]) {
    assert.deepEqual(
      resendOutcome(status, null),
      { permanent: false, retryAfterSeconds: null },
      String(status),
    );
  }
});

Deno.test("smtp: a 5xx reply is permanent (RFC 5321), a 4xx or no reply is transient", () => {
  assert.deepEqual(smtpOutcome(550), { permanent: true, retryAfterSeconds: null });
  assert.deepEqual(smtpOutcome(553), { permanent: true, retryAfterSeconds: null });
  assert.deepEqual(smtpOutcome(451), { permanent: false, retryAfterSeconds: null });
  assert.deepEqual(smtpOutcome(undefined), { permanent: false, retryAfterSeconds: null });
  assert.deepEqual(smtpOutcome("550"), { permanent: false, retryAfterSeconds: null });
});
