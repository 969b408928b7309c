import assert from "node:assert/strict";
import { escapeHtml, kindOf, languageOf, renderEmail } from "./render.ts";

const includes = (text: string, part: string) => assert.ok(text.includes(part), `missing: ${part}`);

Deno.test("every value put in the HTML is escaped; the text part keeps it as written", () => {
  const email = renderEmail({
    type: "alert.stock_critical",
    title: `Stock critique : <img src=x onerror=alert(1)> & "co"`,
    body: "Le stock de <script>alert('x')</script> est à 1.",
    language: "fr",
    unsubscribeUrl: `https://x.test/functions/v1/unsubscribe?token=ab"><script>`,
  });
  assert.ok(!email.html.includes("<img src=x"), "raw tag in the HTML");
  assert.ok(!email.html.includes("<script>"), "raw script in the HTML");
  includes(email.html, "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;co&quot;");
  includes(email.html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  includes(
    email.html,
    `href="https://x.test/functions/v1/unsubscribe?token=ab&quot;&gt;&lt;script&gt;"`,
  );
  includes(email.text, "Le stock de <script>alert('x')</script> est à 1.");
});

Deno.test("the frame is in the reader's language; fr is the default", () => {
  const base = {
    type: "alert.mission_blocked",
    title: "T",
    body: "B",
    unsubscribeUrl: "https://x.test/u?token=1",
  };
  const fr = renderEmail({ ...base, language: "fr" });
  const en = renderEmail({ ...base, language: "en" });
  const other = renderEmail({ ...base, language: "de" });
  includes(fr.html, `<html lang="fr">`);
  includes(fr.text, "Se désabonner de ces emails: https://x.test/u?token=1");
  includes(en.html, `<html lang="en">`);
  includes(en.text, "Unsubscribe from these emails: https://x.test/u?token=1");
  includes(en.html, "Open the alert board");
  assert.equal(other.text, fr.text);
  assert.equal(languageOf(undefined), "fr");
});

Deno.test("critical and client emails carry no unsubscribe footer", () => {
  const email = renderEmail({
    type: "security.role_changed",
    title: "T",
    body: "B",
    language: "en",
  });
  assert.ok(!email.text.includes("Unsubscribe"));
  assert.ok(!email.html.includes("Unsubscribe"));
  includes(email.html, "Account security");
});

Deno.test("subjects are one line; paragraphs and line breaks survive in HTML", () => {
  const email = renderEmail({
    type: "weekly_digest",
    title: "Semaine\r\nBcc: x@y",
    body: "a\nb\n\nc",
    language: "fr",
  });
  assert.equal(email.subject, "Semaine Bcc: x@y");
  includes(email.html, "a<br>b</p>");
  includes(email.html, ">c</p>");
  includes(email.html, "Résumé de la semaine");
});

Deno.test("kinds: alert, invoice, report, digest, invitation, security", () => {
  assert.equal(kindOf("alert.emergency_pending"), "alert");
  assert.equal(kindOf("alert_escalated"), "alert");
  assert.equal(kindOf("invoice_sent"), "invoice");
  assert.equal(kindOf("credit_note_sent"), "credit_note");
  assert.equal(kindOf("intervention_report"), "intervention_report");
  assert.equal(kindOf("weekly_digest"), "digest");
  assert.equal(kindOf("invitation"), "invitation");
  assert.equal(kindOf("security.api_key_created"), "security");
  assert.equal(kindOf("security.role_changed"), "security");
  assert.equal(kindOf("mission_blocked"), "notification");
  assert.equal(escapeHtml(`<a href='x'>&</a>`), "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
});
