import { computed, signal } from "@preact/signals";

/**
 * Minimal history-API router. Every route is a plain path, so the Worker's
 * (and Pages') single-page-application fallback serves index.html for deep
 * links like `/hosts/abc`.
 */
export type Route =
  | { name: "fleet" }
  | { name: "trends" }
  | { name: "kiosk" }
  | { name: "host"; id: string }
  | { name: "alerts" }
  | { name: "probes" }
  | { name: "status-page" }
  | { name: "settings" }
  | { name: "not-found"; path: string };

/** Current location pathname. */
export const currentPath = signal(typeof location === "undefined" ? "/" : location.pathname);

/** The matched route of `currentPath`. */
export const route = computed(() => matchRoute(currentPath.value));

/** Maps a pathname to its route. */
export function matchRoute(path: string): Route {
  const p = path.length > 1 ? path.replace(/\/+$/, "") : path;
  if (p === "/" || p === "") return { name: "fleet" };
  if (p === "/trends") return { name: "trends" };
  if (p === "/kiosk") return { name: "kiosk" };
  if (p === "/alerts") return { name: "alerts" };
  if (p === "/probes") return { name: "probes" };
  if (p === "/status-page") return { name: "status-page" };
  if (p === "/settings") return { name: "settings" };
  const host = /^\/hosts\/([^/]+)$/.exec(p);
  if (host?.[1]) {
    try {
      const id = decodeURIComponent(host[1]);
      // Alerts of probes link to `/hosts/probe:<id>`: their page is the probes list.
      return id.startsWith("probe:") ? { name: "probes" } : { name: "host", id };
    } catch {
      // Malformed percent-encoding: fall through to not-found.
    }
  }
  return { name: "not-found", path };
}

/** Path of a host's page. */
export function hostPath(id: string): string {
  return `/hosts/${encodeURIComponent(id)}`;
}

/** Goes to a same-origin path without reloading. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, location.href);
  if (url.origin !== location.origin) {
    location.assign(url.href);
    return;
  }
  const target = url.pathname + url.search + url.hash;
  if (target === location.pathname + location.search + location.hash) return;
  if (options.replace) history.replaceState(null, "", target);
  else history.pushState(null, "", target);
  currentPath.value = url.pathname;
  if (!url.hash) window.scrollTo(0, 0);
}

/** Follows back/forward buttons. Call once at start-up. */
export function startRouter(): void {
  window.addEventListener("popstate", () => {
    currentPath.value = location.pathname;
  });
}
