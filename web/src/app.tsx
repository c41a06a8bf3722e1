import { lazy } from "./components/common/lazy";
import { NotFound } from "./components/common/not-found";
import { FleetPage } from "./components/fleet/fleet-page";
import { Header } from "./components/layout/header";
import { StorageBanner } from "./components/layout/storage-banner";
import { SignIn } from "./components/sign-in/sign-in";
import { route } from "./lib/router";
import { session } from "./lib/session";

/** The host page and its charts (uPlot) are a separate chunk, fetched on first visit. */
const HostPage = lazy(() => import("./components/host/host-page").then((m) => m.HostPage));
/** Alerts, rules and channels: their own chunk too (forms and tables nobody needs on first paint). */
const AlertsPage = lazy(() => import("./components/alerts/alerts-page").then((m) => m.AlertsPage));
/** Uptime probes and the public status page's settings: their own chunks. */
const ProbesPage = lazy(() => import("./components/probes/probes-page").then((m) => m.ProbesPage));
const StatusSettingsPage = lazy(() =>
  import("./components/status/status-settings-page").then((m) => m.StatusSettingsPage),
);
/** The fleet's trends (top hosts, heatmap; uPlot): their own chunk. */
const TrendsPage = lazy(() => import("./components/fleet/trends-page").then((m) => m.TrendsPage));
/** TV mode: the fleet on a wall display, no header. */
const KioskPage = lazy(() => import("./components/fleet/kiosk-page").then((m) => m.KioskPage));
/** Settings (access tokens): admins only, rarely visited. */
const SettingsPage = lazy(() => import("./components/settings/settings-page").then((m) => m.SettingsPage));

function Routes() {
  const r = route.value;
  switch (r.name) {
    case "fleet":
      return <FleetPage />;
    case "trends":
      return <TrendsPage />;
    case "kiosk":
      return <KioskPage />;
    case "host":
      return <HostPage key={r.id} id={r.id} />;
    case "alerts":
      return <AlertsPage />;
    case "probes":
      return <ProbesPage />;
    case "status-page":
      return <StatusSettingsPage />;
    case "settings":
      return <SettingsPage />;
    case "not-found":
      return <NotFound path={r.path} />;
  }
}

/** Session gate, then the shell: header plus the routed page. */
export function App() {
  const s = session.value;
  if (s.state === "checking") {
    return (
      <p class="boot" role="status">
        Loading…
      </p>
    );
  }
  if (s.state === "signed-out") return <SignIn error={s.error} />;
  if (route.value.name === "kiosk") return <Routes />;
  return (
    <>
      <Header />
      <main id="main" class="main" tabIndex={-1}>
        <StorageBanner />
        <Routes />
      </main>
    </>
  );
}
