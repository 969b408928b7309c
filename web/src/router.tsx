/**
 * A few routes do not need a router library: the path is the state, links push
 * history entries, and the back button works. Screens other than the mission
 * list are lazy-loaded (see App), which keeps the first download small.
 */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from "react";

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((listener) => listener());
if (typeof window !== "undefined") window.addEventListener("popstate", notify);

export function navigate(path: string): void {
  if (path === window.location.pathname) return;
  window.history.pushState(null, "", path);
  notify();
  // The new screen's heading takes the focus (see Page), so screen readers hear the change.
}

/** Goes to a path without adding a history entry (a redirect: Back does not return to it). */
export function redirect(path: string): void {
  if (path === window.location.pathname) return;
  window.history.replaceState(null, "", path);
  notify();
}

export function usePath(): string {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => window.location.pathname,
  );
}

export type Route =
  | { name: "missions" }
  | { name: "mission"; id: string }
  | { name: "inbox" }
  | { name: "sync" }
  | { name: "notFound" };

export function matchRoute(path: string): Route {
  if (path === "/" || path === "") return { name: "missions" };
  const mission = /^\/missions\/([0-9a-f-]{36})$/i.exec(path);
  if (mission) return { name: "mission", id: mission[1]!.toLowerCase() };
  if (path === "/notifications") return { name: "inbox" };
  if (path === "/sync") return { name: "sync" };
  return { name: "notFound" };
}

export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  function handleClick(event: MouseEvent<HTMLAnchorElement>) {
    onClick?.(event);
    // Let the browser handle new tabs and modified clicks.
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  }
  return <a href={href} onClick={handleClick} {...rest} />;
}
