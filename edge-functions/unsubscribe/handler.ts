/**
 * /functions/v1/unsubscribe?token=… — the link of every non-critical email
 * to a member (List-Unsubscribe).
 *
 *   GET   a small confirmation page with a button; it changes nothing, since
 *         mail scanners open links on their own.
 *   POST  unsubscribes: the page's button, or the mail client's one-click
 *         (RFC 8058: body `List-Unsubscribe=One-Click`, token in the URL).
 *
 * The work is public.unsubscribe(token) (email off for every non-critical
 * type, in all the user's organizations; critical alerts keep coming). The
 * token is the credential: verify_jwt = false (supabase/config.toml), since
 * mail clients send no JWT. Pages are in French and English.
 */
import { type FunctionHandler, HttpError, methodNotAllowed } from "../_shared/http.ts";
import { escapeHtml } from "../send-email/render.ts";

export interface UnsubscribeDeps {
  /** Calls public.unsubscribe; throws HttpError 400 for an unknown token. */
  unsubscribe: (token: string) => Promise<number>;
}

const TOKEN = /^[0-9a-f]{64}$/;

function page(
  status: number,
  title: string,
  paragraphs: string[],
  form?: { action: string },
): Response {
  const html = `<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:560px;margin:48px auto;padding:0 16px;color:#1f2933">
<h1 style="font-size:20px">${escapeHtml(title)}</h1>
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n")}
${
    form
      ? `<form method="post" action="${
        escapeHtml(form.action)
      }"><button type="submit" style="padding:8px 16px">Me désabonner / Unsubscribe</button></form>`
      : ""
  }
</body>
</html>
`;
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "content-security-policy":
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    },
  });
}

const INVALID = [
  "Ce lien de désabonnement n'est pas valide.",
  "This unsubscribe link is not valid.",
];

export function createUnsubscribeHandler(deps: UnsubscribeDeps): FunctionHandler {
  return async (req) => {
    const url = new URL(req.url);
    const token = url.searchParams.get("token") ?? "";
    if (req.method !== "GET" && req.method !== "POST") {
      throw methodNotAllowed(req.method, ["GET", "POST", "OPTIONS"]);
    }
    if (!TOKEN.test(token)) return page(400, "Lien invalide / Invalid link", INVALID);

    if (req.method === "GET") {
      return page(200, "Se désabonner / Unsubscribe", [
        "Ne plus recevoir les emails de notification de Terrain ? Les alertes critiques et de sécurité continueront d'arriver.",
        "Stop receiving Terrain notification emails? Critical and security alerts will still be sent.",
      ], { action: `${url.pathname}?token=${token}` });
    }

    try {
      await deps.unsubscribe(token);
    } catch (error) {
      if (error instanceof HttpError && error.status === 400) {
        return page(400, "Lien invalide / Invalid link", INVALID);
      }
      throw error;
    }
    return page(200, "Désabonné / Unsubscribed", [
      "Vous ne recevrez plus les emails de notification. Vous pouvez les réactiver dans vos préférences.",
      "You will no longer receive notification emails. You can turn them back on in your preferences.",
    ]);
  };
}
