import { GROUP_PARAM, groupBy } from "../../lib/fleet-view";
import { Link } from "../common/link";

/** Path of TV mode, grouped as the fleet page is. */
export function kioskPath(group: string): string {
  return group ? `/kiosk?${GROUP_PARAM}=${encodeURIComponent(group)}` : "/kiosk";
}

const TABS = [
  { id: "hosts", path: "/", label: "Hosts" },
  { id: "trends", path: "/trends", label: "Trends" },
] as const;

/** The fleet page's views: its hosts, their trends over time, and TV mode (a page of its own). */
export function FleetTabs({ current }: { current: "hosts" | "trends" }) {
  const group = groupBy.value;
  const withGroup = (path: string) => (group ? `${path}?${GROUP_PARAM}=${encodeURIComponent(group)}` : path);
  return (
    <nav class="tabs fade-x" aria-label="Fleet views">
      {TABS.map((t) => (
        <Link
          key={t.id}
          href={withGroup(t.path)}
          class="tab"
          aria-current={current === t.id ? "page" : undefined}
          data-testid={`tab-${t.id}`}
        >
          {t.label}
        </Link>
      ))}
      <Link
        href={kioskPath(group)}
        class="tab tab-aside"
        data-testid="tab-kiosk"
        title="Full-screen status for a wall display"
      >
        TV mode
      </Link>
    </nav>
  );
}
