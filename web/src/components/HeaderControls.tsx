import { useState } from "react";
import { useTranslation } from "react-i18next";
import { changeLanguage, LANGUAGES, type Language } from "../i18n/index.ts";
import type { TerrainClient } from "../supabase.ts";

/** The language choice and the sign-out button every app's header ends with. */
export function HeaderControls({ supabase }: { supabase: TerrainClient }) {
  const { t, i18n } = useTranslation();
  const [signingOut, setSigningOut] = useState(false);

  async function signOut() {
    setSigningOut(true);
    // Data kept on the device for this user (the technician's outbox) stays: signing back in sends it.
    const { error } = await supabase.auth.signOut();
    // Offline, the server cannot revoke the session: end it on this device at least.
    if (error) await supabase.auth.signOut({ scope: "local" });
    setSigningOut(false);
  }

  return (
    <>
      <label className="language">
        <span className="visually-hidden">{t("nav.language")}</span>
        <select value={i18n.language} onChange={(event) => void changeLanguage(event.target.value as Language)}>
          {LANGUAGES.map((language) => (
            <option key={language.code} value={language.code} lang={language.code}>
              {language.label}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="button header-button" onClick={() => void signOut()} disabled={signingOut}>
        {signingOut ? t("nav.signingOut") : t("nav.signOut")}
      </button>
    </>
  );
}
