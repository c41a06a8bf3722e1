import { route } from "../../lib/router";
import { session, signOut } from "../../lib/session";
import { Link } from "../common/link";
import { ConnectionIndicator } from "./connection-indicator";
import { StatusCounts } from "./status-counts";

/** App header: brand, navigation (Settings for admins), counts, connection, account. */
export function Header() {
  const s = session.value;
  const name = route.value.name;
  return (
    <header class="app-header">
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
            aria-current={name === "fleet" || name === "host" ? "page" : undefined}
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
