import { formatPct } from "../../lib/format";
import type { Level } from "../../lib/thresholds";

interface MeterProps {
  label: string;
  /** Catalog series name, for tests and styling (`cpu`, `mem`, `disk`). */
  metric: string;
  value: number | undefined;
  level: Level;
}

/** A labelled percentage bar coloured by threshold level. */
export function Meter({ label, metric, value, level }: MeterProps) {
  const pct = value === undefined ? 0 : Math.min(100, Math.max(0, value));
  return (
    <div class="meter" data-level={level}>
      <span class="meter-label">{label}</span>
      <span
        class="meter-value num"
        data-metric={metric}
        data-value={value === undefined ? undefined : value.toFixed(2)}
      >
        {formatPct(value)}
      </span>
      <div class="meter-bar" aria-hidden="true">
        <div class="meter-fill" style={{ "--pct": `${pct}%` }} />
      </div>
    </div>
  );
}
