import { SERIES } from "../../../../worker/src/metrics/catalog";

/** The metric of host-down rules (missed sampling intervals), as the hub spells it. */
export const HOST_DOWN_METRIC = "host.down";

/**
 * Suggestions for a rule's metric, from the one series catalog: plain keys,
 * `name:*` for per-instance series (every mount, interface, core), and host.down.
 */
export const RULE_METRIC_SUGGESTIONS: { value: string; help: string }[] = [
  { value: HOST_DOWN_METRIC, help: "Missed sampling intervals (host down)" },
  ...Object.entries(SERIES).map(([name, def]) => ({
    value: "instance" in def ? `${name}:*` : name,
    help: "instance" in def ? `${def.help}, each ${def.instance}` : def.help,
  })),
];
