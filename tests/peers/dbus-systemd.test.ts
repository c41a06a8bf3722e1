import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DBusConnection, DBusError } from "../../agent/src/collect/dbus";
import { type DBusMessage, MessageType } from "../../agent/src/collect/dbus-wire";
import { LIST_FAILED_UNITS, systemdCollector } from "../../agent/src/collect/systemd";

/** Debian package `dbus` (dbus-daemon, dbus-send); `.ci/run` installs it when missing. */
const DBUS_DAEMON = process.env.DBUS_DAEMON_BIN ?? "dbus-daemon";

/** A private bus on a socket in a temp dir: EXTERNAL auth, everyone may own and call anything. */
async function startBus(): Promise<{ path: string; child: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "fleetwatch-dbus-"));
  const path = join(dir, "bus");
  const config = join(dir, "bus.conf");
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${path}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const child = spawn(DBUS_DAEMON, [`--config-file=${config}`, "--nofork", "--print-address"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    child.once("error", (e) =>
      reject(new Error(`${DBUS_DAEMON} did not start (${e.message}): install dbus`)),
    );
    // It prints its address once it listens.
    child.stdout?.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`dbus-daemon exited (${code})`)));
  });
  return { path, child, dir };
}

/** The units the stand-in systemd knows: name, description, load, active, sub states. */
const UNITS = [
  ["nginx.service", "A high performance web server", "loaded", "failed", "failed"],
  ["ssh.service", "OpenBSD Secure Shell server", "loaded", "active", "running"],
  ["backup@home.service", "Backup of /home", "loaded", "failed", "failed"],
];

/**
 * Answers ListUnitsFiltered as systemd does (the `a(ssssssouso)` of
 * org.freedesktop.systemd1(5)), owning systemd's name on the test bus. Every
 * call it receives is kept, so the bytes others marshal can be checked.
 */
async function standInSystemd(busPath: string) {
  const conn = await DBusConnection.open(busPath);
  const received: DBusMessage[] = [];
  conn.onMessage = (m) => {
    if (m.type !== MessageType.call) return;
    received.push(m);
    const states = (m.body[0] as string[] | undefined) ?? [];
    const units = UNITS.filter((u) => states.length === 0 || states.includes(u[3] as string)).map((u, i) => [
      ...u,
      "",
      `/org/freedesktop/systemd1/unit/u${i}`,
      0,
      "",
      "/",
    ]);
    conn.send({
      type: MessageType.reply,
      flags: 1,
      replySerial: m.serial,
      destination: m.sender,
      signature: "a(ssssssouso)",
      body: [units],
    });
  };
  const [owned] = await conn.call({
    destination: "org.freedesktop.DBus",
    path: "/org/freedesktop/DBus",
    interface: "org.freedesktop.DBus",
    member: "RequestName",
    signature: "su",
    // ALLOW_REPLACEMENT | REPLACE_EXISTING: a later stand-in takes the name over.
    body: ["org.freedesktop.systemd1", 3],
  });
  expect(owned).toBe(1); // DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER
  return { conn, received };
}

function dbusSend(busPath: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("dbus-send", [`--bus=unix:path=${busPath}`, "--print-reply", ...args], (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe("systemd failed units over a real dbus-daemon", () => {
  let bus: Awaited<ReturnType<typeof startBus>>;

  beforeAll(async () => {
    bus = await startBus();
  });

  afterAll(() => {
    bus?.child.kill();
    if (bus) rmSync(bus.dir, { recursive: true, force: true });
  });

  it("authenticates, gets a unique name from Hello, and reads an error reply", async () => {
    const conn = await DBusConnection.open(bus.path);
    expect(conn.uniqueName).toMatch(/^:1\.\d+$/);
    const err = await conn.call(LIST_FAILED_UNITS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DBusError);
    expect((err as DBusError).errorName).toBe("org.freedesktop.DBus.Error.ServiceUnknown");
    conn.close();
  });

  it("sends nothing, and throws nothing, while systemd is not on the bus", async () => {
    const collect = systemdCollector({ assumeSystemd: true, busPath: bus.path, noFallback: true });
    await expect(collect(0)).resolves.toEqual({});
    collect.close();
  });

  it("collects the failed units' count and names from systemd's ListUnitsFiltered", async () => {
    const systemd = await standInSystemd(bus.path);
    const collect = systemdCollector({ assumeSystemd: true, busPath: bus.path, noFallback: true });
    const first = await collect(0);
    expect(first).toEqual({
      systemd: { failedCount: 2, failedUnits: ["backup@home.service", "nginx.service"] },
    });
    // The kept connection serves the next slow tick too.
    await expect(collect(1)).resolves.toEqual(first);
    expect(systemd.received.map((m) => [m.member, m.signature, m.body])).toEqual([
      ["ListUnitsFiltered", "as", [["failed"]]],
      ["ListUnitsFiltered", "as", [["failed"]]],
    ]);
    collect.close();
    systemd.conn.close();
  });

  it("marshals as libdbus does: dbus-send's call decodes, and dbus-send reads the reply", async () => {
    const systemd = await standInSystemd(bus.path);
    const out = await dbusSend(
      bus.path,
      "--dest=org.freedesktop.systemd1",
      "/org/freedesktop/systemd1",
      "org.freedesktop.systemd1.Manager.ListUnitsFiltered",
      "array:string:failed,inactive",
    );
    const call = systemd.received.at(-1);
    expect(call?.interface).toBe("org.freedesktop.systemd1.Manager");
    expect(call?.body).toEqual([["failed", "inactive"]]);
    expect(out).toContain('string "nginx.service"');
    expect(out).toContain('string "backup@home.service"');
    expect(out).toContain('object path "/org/freedesktop/systemd1/unit/u1"');
    expect(out).not.toContain("ssh.service");
    systemd.conn.close();
  });
});
