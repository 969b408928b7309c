import type { Session } from "@supabase/supabase-js";
import type { TerrainClient } from "./supabase.ts";
import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { UpdateBanner } from "./components/Banners.tsx";
import { LoginForm } from "./components/LoginForm.tsx";
import type { AppConfig } from "./config.ts";
import "./i18n/index.ts";
import { redirect, usePath } from "./router.tsx";
import {
  appFor,
  CHOSEN_ORG_KEY,
  currentMembership,
  homeOf,
  loadMemberships,
  pathBelongsTo,
  type LoadedMemberships,
  type MembershipStore,
} from "./workspace.ts";

// Everything behind sign-in (the device database, the outbox, the screens) loads after the
// first paint: the sign-in screen needs none of it. Each role's app is its own chunk.
const TechnicianApp = lazy(() => import("./technician/TechnicianApp.tsx"));
const OfficeApp = lazy(() => import("./office/OfficeApp.tsx"));
const PortalApp = lazy(() => import("./portal/PortalApp.tsx"));

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
  return <Workspace supabase={supabase} session={session} vapidPublicKey={vapidPublicKey} />;
}

const deviceStore: MembershipStore = {
  read: (key) => window.localStorage.getItem(key),
  write: (key, value) => window.localStorage.setItem(key, value),
};

function readChosenOrg(): string | null {
  try {
    return window.localStorage.getItem(CHOSEN_ORG_KEY);
  } catch {
    return null;
  }
}

/** Opens the app made for the role the user holds in the organization they work in. */
function Workspace({ supabase, session, vapidPublicKey }: { supabase: TerrainClient; session: Session; vapidPublicKey: string | null }) {
  const { t } = useTranslation();
  const userId = session.user.id;
  const [loaded, setLoaded] = useState<LoadedMemberships | null>(null);
  const [chosenOrg, setChosenOrg] = useState<string | null>(readChosenOrg);
  const path = usePath();

  useEffect(() => {
    let live = true;
    setLoaded(null);
    void loadMemberships(supabase, userId, deviceStore).then((result) => live && setLoaded(result));
    return () => {
      live = false;
    };
  }, [supabase, userId]);

  // After a change of role made from this screen (an ownership transfer), the
  // memberships are read again so the app follows the new role at once. The
  // old ones stay on screen while the new ones load: no flash of "loading".
  const reloadMemberships = useCallback(async () => {
    const result = await loadMemberships(supabase, userId, deviceStore);
    if (result.kind === "loaded") setLoaded(result);
  }, [supabase, userId]);

  const switchOrg = useCallback((orgId: string) => {
    try {
      window.localStorage.setItem(CHOSEN_ORG_KEY, orgId);
    } catch {
      // Without storage the choice lasts until the page is reloaded.
    }
    setChosenOrg(orgId);
  }, []);

  const memberships = loaded?.kind === "loaded" ? loaded.memberships : null;
  const membership = memberships ? currentMembership(memberships, chosenOrg) : null;
  // Never read before (first start offline): only the technician's app works without the
  // network, and it shows nothing it has not synced, so it is the safe one to open.
  const app = membership ? appFor(membership.role) : loaded?.kind === "failed" ? "technician" : null;

  useEffect(() => {
    if (app && !pathBelongsTo(app, path)) {
      redirect(homeOf(app));
    }
  }, [app, path]);

  if (loaded === null || app === null) {
    if (memberships && memberships.length === 0) return <NoMembership supabase={supabase} />;
    return <p className="centered muted">{t("app.loading")}</p>;
  }
  if (!pathBelongsTo(app, path)) return <p className="centered muted">{t("app.loading")}</p>;
  return (
    <Suspense fallback={<p className="centered muted">{t("app.loading")}</p>}>
      {app === "technician" && (
        <TechnicianApp
          supabase={supabase}
          session={session}
          vapidPublicKey={vapidPublicKey}
          memberships={memberships}
          currentOrgId={membership?.orgId ?? null}
          switchOrg={switchOrg}
        />
      )}
      {app === "office" && membership && (
        <OfficeApp
          supabase={supabase}
          session={session}
          membership={membership}
          memberships={memberships!}
          switchOrg={switchOrg}
          reloadMemberships={reloadMemberships}
        />
      )}
      {app === "portal" && membership && <PortalApp supabase={supabase} session={session} membership={membership} />}
    </Suspense>
  );
}

/** Signed in, but a member of no organization (removed, or never invited). */
function NoMembership({ supabase }: { supabase: TerrainClient }) {
  const { t } = useTranslation();
  return (
    <main className="centered">
      <section className="card">
        <h1>{t("app.noMembership")}</h1>
        <p>{t("app.noMembershipHelp")}</p>
        <button type="button" className="button" onClick={() => void supabase.auth.signOut()}>
          {t("nav.signOut")}
        </button>
      </section>
    </main>
  );
}
