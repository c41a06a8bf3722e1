import { describe, expect, it } from "vitest";
import { systemBusPath } from "../../agent/src/collect/dbus";
import {
  type DBusMessage,
  decodeMessage,
  encodeMessage,
  MessageType,
  messageLength,
  splitSignature,
} from "../../agent/src/collect/dbus-wire";
import {
  failedUnits,
  MAX_FAILED_NAMES,
  parseSystemctl,
  systemdCollector,
  unitNamesFromReply,
} from "../../agent/src/collect/systemd";

/**
 * Bytes dbus-daemon 1.14.10 (Debian 12) sent to the agent's client, recorded
 * off the socket: the reply to Hello, the NameAcquired signal that follows it,
 * and the error for ListUnitsFiltered on a bus where systemd is absent.
 */
const RECORDED = {
  helloReply:
    "6c02010109000000010000003d00000006017300040000003a312e30000000000501750001000000080167000173000007017300140000006f72672e667265656465736b746f702e4442757300000000040000003a312e3000",
  nameAcquired:
    "6c04010109000000020000008d00000001016f00150000002f6f72672f667265656465736b746f702f4442757300000002017300140000006f72672e667265656465736b746f702e4442757300000000030173000c0000004e616d6541637175697265640000000006017300040000003a312e3000000000080167000173000007017300140000006f72672e667265656465736b746f702e4442757300000000040000003a312e3000",
  serviceUnknown:
    "6c0301014d000000030000007500000006017300040000003a312e300000000004017300290000006f72672e667265656465736b746f702e444275732e4572726f722e53657276696365556e6b6e6f776e000000000000000501750002000000080167000173000007017300140000006f72672e667265656465736b746f702e444275730000000048000000546865206e616d65206f72672e667265656465736b746f702e73797374656d643120776173206e6f742070726f766964656420627920616e79202e736572766963652066696c657300",
};

const bytes = (hex: string) => Buffer.from(hex, "hex");

describe("D-Bus wire", () => {
  it("decodes dbus-daemon's Hello reply: our unique name, for our serial 1", () => {
    const m = decodeMessage(bytes(RECORDED.helloReply));
    expect(m).toMatchObject({
      type: MessageType.reply,
      replySerial: 1,
      sender: "org.freedesktop.DBus",
      destination: ":1.0",
      signature: "s",
      body: [":1.0"],
    });
  });

  it("splits a stream of recorded messages at their boundaries, whatever the chunks", () => {
    const stream = Buffer.concat([bytes(RECORDED.helloReply), bytes(RECORDED.nameAcquired)]);
    const first = messageLength(stream);
    expect(first).toBe(bytes(RECORDED.helloReply).length);
    expect(messageLength(stream.subarray(0, first - 1))).toBe(0);
    expect(messageLength(stream.subarray(0, 10))).toBe(0);
    const signal = decodeMessage(stream.subarray(first, first + messageLength(stream.subarray(first))));
    expect(signal).toMatchObject({ type: MessageType.signal, member: "NameAcquired", body: [":1.0"] });
  });

  it("decodes the bus's ServiceUnknown error with its name and text", () => {
    const m = decodeMessage(bytes(RECORDED.serviceUnknown));
    expect(m.type).toBe(MessageType.error);
    expect(m.errorName).toBe("org.freedesktop.DBus.Error.ServiceUnknown");
    expect(m.replySerial).toBe(2);
    expect(m.body[0]).toContain("org.freedesktop.systemd1 was not provided");
  });

  it("rejects a truncated message instead of reading past it", () => {
    const full = bytes(RECORDED.serviceUnknown);
    expect(() => decodeMessage(full.subarray(0, full.length - 8))).toThrow(/truncated|past/);
  });

  it("round-trips systemd's ListUnitsFiltered reply (a(ssssssouso)) with 64-bit and variant values", () => {
    const unit = ["nginx.service", "web", "loaded", "failed", "failed", "", "/org/x/u0", 7, "", "/"];
    const m: DBusMessage = {
      type: MessageType.reply,
      flags: 1,
      serial: 9,
      replySerial: 3,
      destination: ":1.5",
      signature: "a(ssssssouso)tva{sv}",
      body: [[unit, unit], 2n ** 60n, { sig: "ad", value: [1.5, -2] }, [["k", { sig: "b", value: true }]]],
    };
    const back = decodeMessage(encodeMessage(m));
    expect(back).toEqual({ ...m, body: m.body });
    expect(unitNamesFromReply(back.body)).toEqual(["nginx.service", "nginx.service"]);
  });

  it("splits signatures into complete types and refuses unclosed ones", () => {
    expect(splitSignature("sa(su)a{sv}y")).toEqual(["s", "a(su)", "a{sv}", "y"]);
    expect(() => splitSignature("a(su")).toThrow(/not closed/);
  });

  it("reads the system bus socket from DBUS_SYSTEM_BUS_ADDRESS, else the default", () => {
    expect(systemBusPath("unix:path=/run/custom/bus")).toBe("/run/custom/bus");
    expect(systemBusPath("tcp:host=x;unix:guid=1,path=/a%20b")).toBe("/a b");
    expect(systemBusPath(undefined)).toBe("/run/dbus/system_bus_socket");
  });
});

describe("failed units", () => {
  it("parses systemctl's JSON output", () => {
    const out =
      '[{"unit":"nginx.service","load":"loaded","active":"failed","sub":"failed","description":"nginx"},' +
      '{"unit":"fstrim.timer","load":"loaded","active":"failed","sub":"failed","description":"Discard"}]\n';
    expect(parseSystemctl(out)).toEqual(["nginx.service", "fstrim.timer"]);
  });

  it("parses systemctl's text output of older systemd, with and without the ● marker", () => {
    const out =
      "● nginx.service loaded failed failed A web server\nbackup@x.service loaded failed failed Backup\n";
    expect(parseSystemctl(out)).toEqual(["nginx.service", "backup@x.service"]);
    expect(parseSystemctl("")).toEqual([]);
  });

  it(`counts every unit but names only ${MAX_FAILED_NAMES}, sorted, controls replaced`, () => {
    const names = Array.from({ length: 60 }, (_, i) => `u${String(i).padStart(2, "0")}.service`);
    const got = failedUnits([...names.reverse(), "u00.service", "bad\nname.service"]);
    expect(got.failedCount).toBe(61);
    expect(got.failedUnits).toHaveLength(MAX_FAILED_NAMES);
    expect(got.failedUnits[0]).toBe("bad?name.service");
    expect(got.failedUnits[1]).toBe("u00.service");
  });

  it("sends nothing, and spawns nothing, where systemd is not the init system", async () => {
    const collect = systemdCollector({ assumeSystemd: false });
    await expect(collect(0)).resolves.toEqual({});
    collect.close();
  });
});
