import type { AuthChangeEvent, Session } from "@supabase/supabase-js";
import type { TerrainClient } from "./supabase.ts";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { App } from "./App.tsx";
import type { AppConfig } from "./config.ts";

const config: AppConfig = { supabaseUrl: "http://127.0.0.1:54321", anonKey: "anon-key" };

/**
 * Just enough of supabase.auth for the app: a session store that notifies listeners
 * the way onAuthStateChange does (INITIAL_SESSION first, then SIGNED_IN / SIGNED_OUT).
 */
function fakeSupabase({ password }: { password: string }) {
  type Listener = (event: AuthChangeEvent, session: Session | null) => void;
  const listeners = new Set<Listener>();
  let session: Session | null = null;
  const emit = (event: AuthChangeEvent) => listeners.forEach((listener) => listener(event, session));
  const auth = {
    onAuthStateChange: vi.fn((listener: Listener) => {
      listeners.add(listener);
      queueMicrotask(() => listener("INITIAL_SESSION", session));
      return { data: { subscription: { unsubscribe: () => listeners.delete(listener) } } };
    }),
    signInWithPassword: vi.fn(async (credentials: { email: string; password: string }) => {
      if (credentials.password !== password) return { data: {}, error: { message: "Invalid login credentials" } };
      session = { access_token: "user-jwt", user: { id: "00000000-0000-4000-8000-000000000001", email: credentials.email } } as Session;
      emit("SIGNED_IN");
      return { data: { session }, error: null };
    }),
    signOut: vi.fn(async () => {
      session = null;
      emit("SIGNED_OUT");
      return { error: null };
    }),
  };
  // No API behind this fake: every read fails, as it would with the server unreachable.
  const unreachable = () => {
    throw new TypeError("Failed to fetch");
  };
  return { auth, rpc: unreachable, from: unreachable } as unknown as TerrainClient & { auth: typeof auth };
}

describe("App", () => {
  it("shows a clear error screen when the configuration cannot be loaded, and retries", async () => {
    const loadAppConfig = vi
      .fn<() => Promise<AppConfig>>()
      .mockRejectedValueOnce(new Error("/config.json answered HTTP 404 Not Found."))
      .mockResolvedValueOnce(config);
    const supabase = fakeSupabase({ password: "right" });
    render(<App loadAppConfig={loadAppConfig} createSupabase={() => supabase} />);

    expect(await screen.findByRole("heading", { name: "Terrain cannot start" })).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("/config.json answered HTTP 404 Not Found.");

    await userEvent.setup().click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("heading", { name: "Sign in to Terrain" })).toBeInTheDocument();
  });

  it("signs in, opens the technician's missions, and signs out", async () => {
    const supabase = fakeSupabase({ password: "right" });
    render(<App loadAppConfig={async () => config} createSupabase={() => supabase} />);
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText("Email"), "tech@example.com");
    await user.type(screen.getByLabelText("Password"), "wrong");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Invalid login credentials");

    await user.clear(screen.getByLabelText("Password"));
    await user.type(screen.getByLabelText("Password"), "right");
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    expect(await screen.findByText("tech@example.com")).toBeInTheDocument();
    expect(await screen.findByRole("heading", { name: "My missions" })).toBeInTheDocument();
    // Nothing read from the server yet (this fake has no API): the app says so instead of showing an empty day.
    expect(screen.getByText("No data on this device yet: connect to the network.")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Sign out" }));
    expect(supabase.auth.signOut).toHaveBeenCalled();
    expect(await screen.findByRole("heading", { name: "Sign in to Terrain" })).toBeInTheDocument();
    expect(screen.queryByText("tech@example.com")).not.toBeInTheDocument();
  });
});
