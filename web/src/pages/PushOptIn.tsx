/** The notifications screen's Web Push switch: on asks the permission and subscribes; off unsubscribes. */
import { useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { pushFailureText } from "../i18n/deviceFailures.ts";
import { currentSubscription, disablePush, enablePush, pushSupport } from "../push/push.ts";
import { useTechnician } from "../technician/context.tsx";

type State = "loading" | "unsupported" | "off" | "on" | "working";

export default function PushOptIn() {
  const { t, i18n } = useTranslation();
  const { supabase, vapidPublicKey } = useTechnician();
  const headingId = useId();
  const [state, setState] = useState<State>("loading");
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);

  useEffect(() => {
    if (pushSupport() === "unsupported" || !vapidPublicKey) {
      setState("unsupported");
      return;
    }
    currentSubscription().then(
      (subscription) => setState(subscription && Notification.permission === "granted" ? "on" : "off"),
      () => setState("off"),
    );
  }, [vapidPublicKey]);

  async function enable() {
    if (!vapidPublicKey) return;
    setState("working");
    setMessage(null);
    try {
      await enablePush(supabase, vapidPublicKey);
      setState("on");
      setMessage({ kind: "ok", text: t("push.enabled") });
    } catch (error) {
      setState("off");
      setMessage({ kind: "error", text: pushFailureText(error, i18n.language) });
    }
  }

  async function disable() {
    setState("working");
    setMessage(null);
    try {
      await disablePush(supabase);
      setState("off");
      setMessage({ kind: "ok", text: t("push.disabled") });
    } catch (error) {
      setState("on");
      setMessage({ kind: "error", text: pushFailureText(error, i18n.language) });
    }
  }

  return (
    <section className="card" aria-labelledby={headingId} data-testid="push-opt-in">
      <h2 id={headingId}>{t("push.title")}</h2>
      {state === "unsupported" ? (
        <p className="muted">{t("push.unsupported")}</p>
      ) : (
        <>
          <p>{state === "on" ? t("push.onIntro") : t("push.offIntro")}</p>
          {state === "on" ? (
            <button type="button" className="button" onClick={() => void disable()}>
              {t("push.disable")}
            </button>
          ) : (
            <button type="button" className="button primary" onClick={() => void enable()} disabled={state !== "off"}>
              {state === "working" ? t("push.working") : t("push.enable")}
            </button>
          )}
        </>
      )}
      <p role="status" className={message?.kind === "error" ? "error-message" : "saved"}>
        {message?.text ?? ""}
      </p>
    </section>
  );
}
