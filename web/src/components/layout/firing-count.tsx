import { FIRING_LIMIT, firingCount } from "../../lib/fleet-alerts";
import { formatCount, NOUNS, pluralForm } from "../../lib/format";
import { Link } from "../common/link";

/**
 * Firing alerts of the fleet, linking to the alerts page. Shown from the
 * start ("–" until known) so the header row does not shift when it loads.
 */
export function FiringCount() {
  const n = firingCount.value;
  const text = n === undefined ? "–" : n >= FIRING_LIMIT ? `${formatCount(FIRING_LIMIT)}+` : formatCount(n);
  return (
    <Link
      href="/alerts"
      class={`count count-firing${n ? " count-alerting" : ""}`}
      data-testid="firing-count"
      data-count={n}
    >
      <span class="num">{text}</span> firing {pluralForm(n ?? 0, NOUNS.alert)}
    </Link>
  );
}
