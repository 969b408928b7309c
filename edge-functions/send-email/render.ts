/**
 * The email of a queued notification, in its reader's language (fr by
 * default, en): subject, HTML and plain text.
 *
 * The words (title and body) were rendered by the database from the type's
 * template in that language (notification_templates); this file adds the
 * frame each kind of email gets — a heading, a closing line, the
 * unsubscribe footer — and escapes every value put in the HTML.
 */

export type Language = "fr" | "en";

export interface EmailInput {
  type: string;
  title: string;
  body: string | null;
  language: string;
  /** Absent for critical and client emails: they carry no unsubscribe link. */
  unsubscribeUrl?: string;
  /** A link to open in the app, when the notification is about something there. */
  appUrl?: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export type EmailKind =
  | "alert"
  | "invoice"
  | "credit_note"
  | "intervention_report"
  | "digest"
  | "invitation"
  | "security"
  | "notification";

/** Which frame a notification type gets. */
export function kindOf(type: string): EmailKind {
  if (type.startsWith("alert.") || type === "alert_escalated") return "alert";
  if (type === "invoice_sent") return "invoice";
  if (type === "credit_note_sent") return "credit_note";
  if (type === "intervention_report") return "intervention_report";
  if (type === "weekly_digest" || type.endsWith(".weekly_digest")) return "digest";
  if (type === "invitation" || type.endsWith(".invitation")) return "invitation";
  if (
    /(^|\.)(api_key_(created|revoked|rotated)|role_changed)$/.test(type) ||
    type.startsWith("security.")
  ) {
    return "security";
  }
  return "notification";
}

const WORDS: Record<
  Language,
  Record<EmailKind, { heading: string; closing: string }> & {
    unsubscribe: string;
    why: string;
    open: string;
  }
> = {
  fr: {
    alert: {
      heading: "Alerte",
      closing: "Ouvrez le tableau des alertes pour la prendre en charge.",
    },
    invoice: { heading: "Facture", closing: "Merci de votre confiance." },
    credit_note: { heading: "Avoir", closing: "Merci de votre confiance." },
    intervention_report: {
      heading: "Rapport d'intervention",
      closing: "Merci de votre confiance.",
    },
    digest: { heading: "Résumé de la semaine", closing: "Bonne semaine." },
    invitation: { heading: "Invitation", closing: "À bientôt sur Terrain." },
    security: {
      heading: "Sécurité de votre compte",
      closing:
        "Si vous n'êtes pas à l'origine de ce changement, prévenez immédiatement un administrateur.",
    },
    notification: { heading: "Notification", closing: "" },
    unsubscribe: "Se désabonner de ces emails",
    why: "Vous recevez cet email parce que vous êtes membre d'une organisation sur Terrain.",
    open: "Ouvrir dans Terrain",
  },
  en: {
    alert: { heading: "Alert", closing: "Open the alert board to take care of it." },
    invoice: { heading: "Invoice", closing: "Thank you for your business." },
    credit_note: { heading: "Credit note", closing: "Thank you for your business." },
    intervention_report: {
      heading: "Intervention report",
      closing: "Thank you for your business.",
    },
    digest: { heading: "Your week", closing: "Have a good week." },
    invitation: { heading: "Invitation", closing: "See you soon on Terrain." },
    security: {
      heading: "Account security",
      closing: "If you did not make this change, tell an administrator at once.",
    },
    notification: { heading: "Notification", closing: "" },
    unsubscribe: "Unsubscribe from these emails",
    why: "You receive this email because you are a member of an organization on Terrain.",
    open: "Open in Terrain",
  },
};

/** fr unless the reader asked for en. */
export function languageOf(value: string | null | undefined): Language {
  return value === "en" ? "en" : "fr";
}

/** HTML-escapes text for an element or a double-quoted attribute. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** Subjects are one line: line breaks would start new headers in some clients. */
function oneLine(value: string): string {
  return value.replace(/[\r\n\t]+/g, " ").trim();
}

export function renderEmail(input: EmailInput): RenderedEmail {
  const lang = languageOf(input.language);
  const words = WORDS[lang];
  const frame = words[kindOf(input.type)];
  const subject = oneLine(input.title);
  const paragraphs = (input.body ?? "").split(/\n{2,}/).map((p) => p.trim()).filter((p) =>
    p !== ""
  );

  const text = [
    subject,
    "",
    ...paragraphs.flatMap((p) => [p, ""]),
    ...(frame.closing ? [frame.closing, ""] : []),
    ...(input.appUrl ? [`${words.open}: ${input.appUrl}`, ""] : []),
    ...(input.unsubscribeUrl
      ? ["--", words.why, `${words.unsubscribe}: ${input.unsubscribeUrl}`]
      : []),
  ].join("\n").trimEnd() + "\n";

  const html = `<!doctype html>
<html lang="${lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${
    escapeHtml(subject)
  }</title></head>
<body style="margin:0;padding:24px;background:#f4f5f7;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2933">
<table role="presentation" width="100%" style="max-width:600px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
<tr><td>
<p style="margin:0 0 8px;font-size:13px;text-transform:uppercase;letter-spacing:.05em;color:#52606d">${
    escapeHtml(frame.heading)
  }</p>
<h1 style="margin:0 0 16px;font-size:20px">${escapeHtml(subject)}</h1>
${
    paragraphs.map((p) =>
      `<p style="margin:0 0 12px;line-height:1.5">${escapeHtml(p).replaceAll("\n", "<br>")}</p>`
    ).join("\n")
  }
${
    frame.closing
      ? `<p style="margin:16px 0 0;line-height:1.5">${escapeHtml(frame.closing)}</p>`
      : ""
  }
${
    input.appUrl
      ? `<p style="margin:16px 0 0"><a href="${escapeHtml(input.appUrl)}" style="color:#1d4ed8">${
        escapeHtml(words.open)
      }</a></p>`
      : ""
  }
</td></tr>
</table>
${
    input.unsubscribeUrl
      ? `<p style="max-width:600px;margin:16px auto 0;font-size:12px;color:#7b8794">${
        escapeHtml(words.why)
      } <a href="${escapeHtml(input.unsubscribeUrl)}" style="color:#7b8794">${
        escapeHtml(words.unsubscribe)
      }</a></p>`
      : ""
  }
</body>
</html>
`;
  return { subject, html, text };
}
