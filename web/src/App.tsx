import type { Session } from "@supabase/supabase-js";
import type { TerrainClient } from "./supabase.ts";
import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { UpdateBanner } from "./components/Banners.tsx";
import { LoginForm } from "./components/LoginForm.tsx";
import type { AppConfig } from "./config.ts";
import "./i18n/index.ts";

// Everything behind sign-in (the device database, the outbox, the screens) loads after the
// first paint: the sign-in screen needs none of it.
const TechnicianApp = lazy(() => import("./technician/TechnicianApp.tsx"));

type Startup =
  | { kind: "loading" }
  | { kind: "failed"; message: string }
  | { kind: "ready"; supabase: TerrainClient; config: AppConfig };

export interface AppProps {
  loadAppConfig: () => Promise<AppConfig>;
  createSupabase: (config: AppConfig) => TerrainClient;
}

export function App(props: AppProps) {
  return (
    <>
      <UpdateBanner />
      <Startup {...props} />
    </>
  );
}

function Startup({ loadAppConfig, createSupabase }: AppProps) {
  const { t } = useTranslation();
  const [startup, setStartup] = useState<Startup>({ kind: "loading" });

  const start = useCallback(async () => {
    setStartup({ kind: "loading" });
    try {
      const config = await loadAppConfig();
      setStartup({ kind: "ready", supabase: createSupabase(config), config });
    } catch (error) {
      setStartup({ kind: "failed", message: (error as Error).message || "Unknown error." });
    }
  }, [loadAppConfig, createSupabase]);

  useEffect(() => {
    void start();
  }, [start]);

  if (startup.kind === "loading") return <p className="centered muted">{t("app.loading")}</p>;
  if (startup.kind === "failed") {
    return (
      <main className="centered">
        <section className="card">
          <h1>{t("app.cannotStart")}</h1>
          <p role="alert" className="error-message">
            {t("app.configFailed", { message: startup.message })}
          </p>
          <button type="button" className="button primary" onClick={() => void start()}>
            {t("app.tryAgain")}
          </button>
        </section>
      </main>
    );
  }
  return <SignedInGate supabase={startup.supabase} vapidPublicKey={startup.config.vapidPublicKey ?? null} />;
}

function SignedInGate({ supabase, vapidPublicKey }: { supabase: TerrainClient; vapidPublicKey: string | null }) {
  const { t } = useTranslation();
  // undefined = not known yet (the stored session is being read), null = signed out.
  const [session, setSession] = useState<Session | null | undefined>(undefined);

  useEffect(() => {
    // onAuthStateChange fires INITIAL_SESSION with the stored session, then every sign-in,
    // sign-out and token refresh, so it is the single source of truth for the session.
    const { data } = supabase.auth.onAuthStateChange((_event, nextSession) => setSession(nextSession));
    return () => data.subscription.unsubscribe();
  }, [supabase]);

  if (session === undefined) return <p className="centered muted">{t("app.loading")}</p>;
  if (session === null) {
    return (
      <main className="centered">
        <LoginForm signIn={(credentials) => supabase.auth.signInWithPassword(credentials)} />
      </main>
    );
  }
  return (
    <Suspense fallback={<p className="centered muted">{t("app.loading")}</p>}>
      <TechnicianApp supabase={supabase} session={session} vapidPublicKey={vapidPublicKey} />
    </Suspense>
  );
}
