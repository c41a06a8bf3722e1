import type { MessageInitShape } from "@bufbuild/protobuf";
import type { NetInterfaceSchema } from "@fleetwatch/proto/sample_pb";
import { RateTracker } from "./rate";
import { IS_LINUX, readText, round2 } from "./read";
import { si } from "./si";
import type { Collector } from "./types";

const MAX_INTERFACES = 256;

/** Cumulative byte counters of one interface. */
export interface InterfaceTotals {
  name: string;
  rxBytes: number;
  txBytes: number;
}

/** Loopback carries no host traffic worth watching. */
export function isLoopback(name: string): boolean {
  return name === "lo" || name.startsWith("lo0") || name.toLowerCase().includes("loopback");
}

/**
 * Interfaces the kernel or a container runtime makes: traffic queues
 * (`ifb*`), container pairs and bridges, tunnels, overlays. Most sit idle
 * and only crowd the charts.
 */
const VIRTUAL =
  /^(ifb|veth|docker|br-|virbr|cni|flannel|cali|vxlan|tunl|tun|tap|dummy|kube-|lxc|vnet|gre|sit|ip6tnl|erspan|nlmon|bond-slave)/;

/** Whether an interface is one a runtime made rather than a NIC. */
export function isVirtual(name: string): boolean {
  return VIRTUAL.test(name);
}

/**
 * Which interfaces a sample carries. Every NIC; a virtual interface only
 * once its counters have moved since the agent started (then for good, so
 * its series never flaps); every interface with `all`.
 */
export class InterfaceFilter {
  private readonly first = new Map<string, number>();
  private readonly active = new Set<string>();
  private readonly all: boolean;

  // A plain field, not a parameter property: benchmarks load this file with Node's type stripping.
  constructor(all = false) {
    this.all = all;
  }

  keep(t: InterfaceTotals): boolean {
    if (this.all || !isVirtual(t.name) || this.active.has(t.name)) return true;
    const total = t.rxBytes + t.txBytes;
    const first = this.first.get(t.name);
    if (first === undefined) {
      this.first.set(t.name, total);
      return false;
    }
    if (total === first) return false;
    this.active.add(t.name);
    this.first.delete(t.name);
    return true;
  }
}

/** Parses /proc/net/dev, skipping loopback. */
export function parseNetDev(text: string): InterfaceTotals[] {
  const out: InterfaceTotals[] = [];
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    if (!name || isLoopback(name) || f.length < 9) continue;
    out.push({ name, rxBytes: Number(f[0]), txBytes: Number(f[8]) });
  }
  return out;
}

async function readTotals(): Promise<InterfaceTotals[]> {
  if (IS_LINUX) {
    const text = readText("/proc/net/dev");
    return text === undefined ? [] : parseNetDev(text);
  }
  try {
    const stats = await (await si()).networkStats("*");
    return stats
      .filter((s) => !isLoopback(s.iface))
      .map((s) => ({ name: s.iface, rxBytes: s.rx_bytes, txBytes: s.tx_bytes }));
  } catch {
    return [];
  }
}

/**
 * Receive/transmit bytes per second for every non-loopback interface, but
 * virtual ones that never carried traffic (unless `allInterfaces`).
 */
export function networkCollector(opts: { allInterfaces?: boolean } = {}): Collector {
  const rates = new RateTracker();
  const filter = new InterfaceFilter(opts.allInterfaces ?? false);
  return async (atMs) => {
    const totals = (await readTotals()).filter((t) => filter.keep(t));
    const seen = new Set<string>();
    const net: MessageInitShape<typeof NetInterfaceSchema>[] = [];
    for (const t of totals) {
      seen.add(`${t.name}/rx`).add(`${t.name}/tx`);
      const rx = rates.rate(`${t.name}/rx`, t.rxBytes, atMs);
      const tx = rates.rate(`${t.name}/tx`, t.txBytes, atMs);
      if (rx !== undefined && tx !== undefined) {
        net.push({ name: t.name, rxBytesPerS: round2(rx), txBytesPerS: round2(tx) });
      }
    }
    rates.retain(seen);
    // The hub accepts at most 256 interfaces; container hosts with hundreds
    // of veth pairs keep the busiest.
    if (net.length > MAX_INTERFACES) {
      net.sort(
        (a, b) => (b.rxBytesPerS ?? 0) + (b.txBytesPerS ?? 0) - (a.rxBytesPerS ?? 0) - (a.txBytesPerS ?? 0),
      );
      net.length = MAX_INTERFACES;
    }
    return net.length > 0 ? { net } : {};
  };
}
