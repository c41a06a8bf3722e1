import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { status } from "../log";
import { type DBusCall, DBusConnection, systemBusPath } from "./dbus";
import type { DBusValue } from "./dbus-wire";
import { cleanName, IS_LINUX } from "./read";
import type { Collector, SamplePart } from "./types";

/** How many failed unit names a sample carries; the count is always whole. */
export const MAX_FAILED_NAMES = 50;

/** Failed units as the wire carries them. */
export interface FailedUnits {
  failedCount: number;
  failedUnits: string[];
}

/** The count and the first {@link MAX_FAILED_NAMES} names, sorted, made safe for the wire. */
export function failedUnits(names: string[]): FailedUnits {
  const unique = [...new Set(names.filter((n) => n !== ""))].sort();
  return {
    failedCount: unique.length,
    failedUnits: unique.slice(0, MAX_FAILED_NAMES).map((n) => cleanName(n)),
  };
}

/**
 * Unit names from a `ListUnitsFiltered` reply body: one array of
 * `(ssssssouso)` structs, the unit's name first.
 * https://www.freedesktop.org/software/systemd/man/latest/org.freedesktop.systemd1.html
 */
export function unitNamesFromReply(body: DBusValue[]): string[] {
  const units = body[0];
  if (!Array.isArray(units)) throw new Error("ListUnitsFiltered reply is not an array");
  return units.map((u) => (Array.isArray(u) && typeof u[0] === "string" ? u[0] : ""));
}

/**
 * Unit names from `systemctl list-units --state=failed --plain --no-legend`,
 * with `--output=json` (systemd >= 246: `[{"unit": ...}]`) or as text (older
 * systemd: one unit a line, first column, after a "●" marker on some versions).
 */
export function parseSystemctl(out: string): string[] {
  const text = out.trim();
  if (text.startsWith("[")) {
    const rows: unknown = JSON.parse(text);
    if (!Array.isArray(rows)) return [];
    return rows.map((r) =>
      r !== null && typeof r === "object" && typeof (r as { unit?: unknown }).unit === "string"
        ? (r as { unit: string }).unit
        : "",
    );
  }
  return text
    .split("\n")
    .map(
      (line) =>
        line
          .trim()
          .split(/\s+/)
          .find((t) => t.includes(".")) ?? "",
    )
    .filter((n) => n !== "");
}

/** systemd's ListUnitsFiltered(["failed"]) (org.freedesktop.systemd1(5)). */
export const LIST_FAILED_UNITS: DBusCall = {
  destination: "org.freedesktop.systemd1",
  path: "/org/freedesktop/systemd1",
  interface: "org.freedesktop.systemd1.Manager",
  member: "ListUnitsFiltered",
  signature: "as",
  body: [["failed"]],
};

/** Reads failed unit names from systemd over D-Bus on a kept connection. */
class BusReader {
  #conn: DBusConnection | undefined;

  constructor(readonly socketPath: string) {}

  async read(): Promise<string[]> {
    if (!this.#conn || this.#conn.closed) this.#conn = await DBusConnection.open(this.socketPath);
    try {
      return unitNamesFromReply(await this.#conn.call(LIST_FAILED_UNITS));
    } catch (e) {
      this.#conn.close();
      this.#conn = undefined;
      throw e;
    }
  }

  close(): void {
    this.#conn?.close();
  }
}

/** One `systemctl` process: the fallback where the system bus cannot be reached. */
function systemctlFailed(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(
      "systemctl",
      ["list-units", "--state=failed", "--plain", "--no-legend", "--no-pager", "--output=json"],
      { timeout: 10_000, maxBuffer: 4 * 1024 * 1024, env: { ...process.env, SYSTEMD_COLORS: "0" } },
      (err, stdout) => (err ? reject(err) : resolve(parseSystemctl(stdout))),
    );
  });
}

/** Options of {@link systemdCollector}; tests point it at their own bus. */
export interface SystemdOptions {
  /** Skip the "is systemd the init system" check (tests on a machine without it). */
  assumeSystemd?: boolean;
  /** The bus socket; default the system bus. */
  busPath?: string;
  /** Disable the systemctl fallback. */
  noFallback?: boolean;
}

/**
 * Failed systemd units, for the slow group. Where systemd is not the init
 * system (`/run/systemd/system` missing, as sd_booted(3) checks: containers,
 * macOS, Windows) it sends nothing, ever. Otherwise it asks systemd over the
 * system bus on a kept connection (one small message each way per slow tick);
 * only when the bus cannot be reached does it run one `systemctl` per slow
 * tick (a process start, ~10-20 ms of CPU). When both fail it says so once
 * and sends nothing.
 */
export function systemdCollector(opts: SystemdOptions = {}): Collector & { close(): void } {
  const enabled = opts.assumeSystemd ?? (IS_LINUX && existsSync("/run/systemd/system"));
  const bus = new BusReader(opts.busPath ?? systemBusPath());
  let warned = false;
  const collect = async (): Promise<SamplePart> => {
    if (!enabled) return {};
    let names: string[];
    try {
      names = await bus.read();
    } catch (busError) {
      if (opts.noFallback) return {};
      try {
        names = await systemctlFailed();
      } catch (e) {
        if (!warned) {
          warned = true;
          const why = (x: unknown) => (x instanceof Error ? x.message : String(x));
          status(
            `systemd: failed units not collected (D-Bus: ${why(busError)}; systemctl: ${why(e)}); ` +
              "check that the agent may read the system bus",
          );
        }
        return {};
      }
    }
    warned = false;
    return { systemd: failedUnits(names) };
  };
  return Object.assign(collect, { close: () => bus.close() });
}
