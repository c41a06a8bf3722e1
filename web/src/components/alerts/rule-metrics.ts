import { SERIES } from "../../../../worker/src/metrics/catalog";
import { TRAFFIC_SERIES } from "../../../../worker/src/traffic/keys";

/** The metric of host-down rules (missed sampling intervals), as the hub spells it. */
export const HOST_DOWN_METRIC = "host.down";

/**
 * Suggestions for a rule's metric, from the one series catalog: plain keys,
 * `name:*` for per-instance series (every mount, interface, core), host.down
 * and the monthly traffic quotas (in bytes, all interfaces or each).
 */
export const RULE_METRIC_SUGGESTIONS: { value: string; help: string }[] = [
  { value: HOST_DOWN_METRIC, help: "Missed sampling intervals (host down)" },
  ...Object.entries(SERIES).map(([name, def]) => ({
    value: "instance" in def ? `${name}:*` : name,
    help: "instance" in def ? `${def.help}, each ${def.instance}` : def.help,
  })),
  ...Object.entries(TRAFFIC_SERIES).flatMap(([name, def]) => [
    { value: name, help: `${def.help}, all interfaces (${def.unit})` },
    { value: `${name}:*`, help: `${def.help}, each interface (${def.unit})` },
  ]),
];
