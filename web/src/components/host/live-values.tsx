import { summaryOf } from "../../../../worker/src/metrics/summary";
import type { HostView } from "../../../../worker/src/metrics/types";
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatLoad,
  formatPct,
  formatRate,
} from "../../lib/format";
import { levelOf, thresholds } from "../../lib/thresholds";
import { Fact } from "../common/fact";
import { Meter } from "../common/meter";

/** The host's latest values: utilisation meters, per-core bars and key figures. */
export function LiveValues({ host }: { host: HostView }) {
  const t = thresholds.value;
  const s = summaryOf(host);
  const m = host.metrics;
  const swapPct = m.swap && m.swap.totalBytes > 0 ? (m.swap.usedBytes / m.swap.totalBytes) * 100 : undefined;
  const cores = m.cpu?.perCorePct ?? [];
  return (
    <section class="panel live" aria-labelledby="live-title" data-testid="live-values">
      <h2 id="live-title">Now</h2>
      <div class="meters meters-wide">
        <Meter label="CPU" metric="cpu" value={s.cpu} level={levelOf(s.cpu, t.cpu)} />
        <Meter label="Memory" metric="mem" value={s.mem} level={levelOf(s.mem, t.mem)} />
        <Meter label="Disk" metric="disk" value={s.disk} level={levelOf(s.disk, t.disk)} />
        {swapPct !== undefined && <Meter label="Swap" metric="swap" value={swapPct} level="ok" />}
      </div>
      {cores.length > 1 && (
        <ul class="cores" aria-label="CPU per core">
          {cores.map((pct, i) => (
            <li key={i} class="core" data-level={levelOf(pct, t.cpu)} title={`core ${i}: ${formatPct(pct)}`}>
              <div class="core-fill" style={{ "--pct": `${Math.min(100, Math.max(0, pct))}%` }} />
            </li>
          ))}
        </ul>
      )}
      <dl class="facts facts-wide">
        <Fact
          label="CPU user / system"
          metric="cpu.split"
          value={m.cpu ? `${formatPct(m.cpu.userPct)} / ${formatPct(m.cpu.systemPct)}` : "–"}
        />
        <Fact label="IO wait" metric="cpu.iowait" value={formatPct(m.cpu?.iowaitPct)} />
        <Fact label="Steal" metric="cpu.steal" value={formatPct(m.cpu?.stealPct)} />
        <Fact
          label="Load 1 / 5 / 15"
          metric="load"
          value={
            m.load
              ? `${formatLoad(m.load.load1)} / ${formatLoad(m.load.load5)} / ${formatLoad(m.load.load15)}`
              : "–"
          }
        />
        <Fact
          label="Memory used / total"
          metric="mem.used"
          value={
            m.memory
              ? `${formatBytes(m.memory.totalBytes - m.memory.availableBytes)} / ${formatBytes(m.memory.totalBytes)}`
              : "–"
          }
        />
        <Fact label="Cached" metric="mem.cached" value={formatBytes(m.memory?.cachedBytes)} />
        <Fact
          label="Swap used / total"
          metric="swap.used"
          value={m.swap ? `${formatBytes(m.swap.usedBytes)} / ${formatBytes(m.swap.totalBytes)}` : "–"}
        />
        <Fact label="Disk read" metric="disk.read" value={formatRate(m.diskIo?.readBytesPerS)} />
        <Fact label="Disk write" metric="disk.write" value={formatRate(m.diskIo?.writeBytesPerS)} />
        <Fact label="Net in" metric="net.rx" value={formatRate(s.rxBytesPerS)} />
        <Fact label="Net out" metric="net.tx" value={formatRate(s.txBytesPerS)} />
        <Fact
          label="Processes (running)"
          metric="procs"
          value={
            m.processes ? `${formatCount(m.processes.total)} (${formatCount(m.processes.running)})` : "–"
          }
        />
        <Fact label="Uptime" metric="uptime" value={formatDuration(s.uptimeS)} />
        {m.systemd && (
          <Fact label="Failed units" metric="systemd.failed" value={formatCount(m.systemd.failedCount)} />
        )}
      </dl>
      {m.systemd && m.systemd.failedUnits.length > 0 && (
        <p class="failed-units" data-testid="failed-units">
          Failed: {m.systemd.failedUnits.join(", ")}
          {m.systemd.failedCount > m.systemd.failedUnits.length &&
            ` and ${formatCount(m.systemd.failedCount - m.systemd.failedUnits.length)} more`}
        </p>
      )}
    </section>
  );
}
