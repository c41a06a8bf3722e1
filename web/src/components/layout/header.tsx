import { useEffect, useRef } from "preact/hooks";
import { route } from "../../lib/router";
import { session, signOut } from "../../lib/session";
import { Link } from "../common/link";
import { ConnectionIndicator } from "./connection-indicator";
import { StatusCounts } from "./status-counts";

/**
 * Keeps `--header-h` on the root element at the sticky header's height, so
 * the page's `scroll-padding-top` stops anchors and focused fields from
 * scrolling under it (its height changes with wrapping and the counts row).
 */
function useHeaderHeight() {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver !== "function") return;
    const root = document.documentElement;
    const ro = new ResizeObserver(() => root.style.setProperty("--header-h", `${el.offsetHeight}px`));
    ro.observe(el);
    return () => {
      ro.disconnect();
      root.style.removeProperty("--header-h");
    };
  }, []);
  return ref;
}

/** App header: brand, navigation (Settings for admins), counts, connection, account. */
export function Header() {
  const s = session.value;
  const name = route.value.name;
  const ref = useHeaderHeight();
  return (
    <header class="app-header" ref={ref}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <div class="header-row">
        <Link href="/" class="brand" aria-label="fleetwatch home">
          <span class="brand-mark" aria-hidden="true" />
          <span class="brand-name">fleetwatch</span>
        </Link>
        <nav aria-label="Main" class="nav">
          <Link
            href="/"
            class="nav-link"
            aria-current={name === "fleet" || name === "trends" || name === "host" ? "page" : undefined}
          >
            Fleet
          </Link>
          <Link href="/alerts" class="nav-link" aria-current={name === "alerts" ? "page" : undefined}>
            Alerts
          </Link>
          <Link
            href="/probes"
            class="nav-link"
            aria-current={name === "probes" || name === "status-page" ? "page" : undefined}
            data-testid="nav-probes"
          >
            Probes
          </Link>
          {s.state === "signed-in" && s.info.role === "admin" && (
            <Link
              href="/settings"
              class="nav-link"
              aria-current={name === "settings" ? "page" : undefined}
              data-testid="nav-settings"
            >
              Settings
            </Link>
          )}
        </nav>
        <ConnectionIndicator />
        {s.state === "signed-in" && (
          <div class="account">
            <span
              class="account-fleet"
              title={`Fleet ${s.info.fleet}, ${s.info.role}`}
              data-testid="session-fleet"
            >
              {s.info.fleet}
              <span class="account-role"> · {s.info.role}</span>
            </span>
            <button type="button" class="btn btn-small" onClick={() => void signOut()} data-testid="sign-out">
              Sign out
            </button>
          </div>
        )}
      </div>
      <StatusCounts />
    </header>
  );
}
