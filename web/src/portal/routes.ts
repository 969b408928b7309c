/** The portal's paths (under /portal), as data: what each names and which navigation entry it belongs to. */
export type PortalRoute =
  | { name: "home"; section: "home" }
  | { name: "sites"; section: "sites" }
  | { name: "site"; section: "sites"; id: string }
  | { name: "missions"; section: "missions" }
  | { name: "mission"; section: "missions"; id: string }
  | { name: "invoices"; section: "invoices" }
  | { name: "invoice"; section: "invoices"; id: string }
  | { name: "quotes"; section: "quotes" }
  | { name: "quote"; section: "quotes"; id: string }
  | { name: "requests"; section: "requests" }
  | { name: "newRequest"; section: "requests" }
  | { name: "emergency"; section: "emergency" }
  | { name: "notFound"; section: null };

const LISTS = {
  sites: "site",
  missions: "mission",
  invoices: "invoice",
  quotes: "quote",
} as const;

/**
 * A detail path carries whatever id the URL has: the screen asks the database
 * and shows the not-found page when it answers nothing (a malformed id is not
 * even asked), so another client's id and a made-up one look the same.
 */
export function matchPortalRoute(path: string): PortalRoute {
  const parts = path.replace(/\/+$/, "").split("/").slice(1);
  if (parts[0] !== "portal") return { name: "notFound", section: null };
  const [section, id, ...rest] = parts.slice(1);
  if (section === undefined) return { name: "home", section: "home" };
  if (rest.length > 0) return { name: "notFound", section: null };
  if (section === "requests") {
    if (id === undefined) return { name: "requests", section: "requests" };
    if (id === "new") return { name: "newRequest", section: "requests" };
    return { name: "notFound", section: null };
  }
  if (section === "emergency" && id === undefined) return { name: "emergency", section: "emergency" };
  if (section in LISTS) {
    const list = section as keyof typeof LISTS;
    if (id === undefined) return { name: list, section: list } as PortalRoute;
    if (id !== "") return { name: LISTS[list], section: list, id: decodeURIComponent(id) } as PortalRoute;
  }
  return { name: "notFound", section: null };
}
