import { describe, expect, it } from "vitest";
import {
  HOSTS_WITH_FLEET,
  historyBindings,
  openDatabases,
  PRIMARY_DB,
  pickDatabase,
  placeFleet,
  placeHost,
} from "../../worker/src/db/placement";

const keys = (n: number, prefix = "fleet") => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe("pickDatabase", () => {
  it("gives a key the same database every time", () => {
    const dbs = ["HISTORY_1", "HISTORY_2", "HISTORY_3"];
    for (const k of keys(200)) expect(pickDatabase(k, dbs)).toBe(pickDatabase(k, [...dbs]));
  });

  it("does not depend on the order of the databases", () => {
    const dbs = ["HISTORY_1", "HISTORY_2", "HISTORY_3", "HISTORY_4"];
    const reversed = [...dbs].reverse();
    for (const k of keys(500)) expect(pickDatabase(k, reversed)).toBe(pickDatabase(k, dbs));
  });

  it("spreads keys evenly over the databases", () => {
    const dbs = ["HISTORY_1", "HISTORY_2", "HISTORY_3"];
    const count = new Map<string, number>();
    for (const k of keys(3000)) {
      const d = pickDatabase(k, dbs);
      count.set(d, (count.get(d) ?? 0) + 1);
    }
    expect([...count.keys()].sort()).toEqual(dbs);
    for (const [d, n] of count) {
      expect(n, d).toBeGreaterThan(900);
      expect(n, d).toBeLessThan(1100);
    }
  });

  it("moves a key only to an added database, and about 1/N of them", () => {
    const before = ["HISTORY_1", "HISTORY_2"];
    const after = [...before, "HISTORY_3"];
    let moved = 0;
    for (const k of keys(3000)) {
      const a = pickDatabase(k, before);
      const b = pickDatabase(k, after);
      if (a !== b) {
        expect(b).toBe("HISTORY_3");
        moved++;
      }
    }
    expect(moved).toBeGreaterThan(850);
    expect(moved).toBeLessThan(1150);
  });

  it("keeps the only database", () => {
    expect(pickDatabase("f", [PRIMARY_DB])).toBe(PRIMARY_DB);
  });

  it("refuses to choose among no databases", () => {
    expect(() => pickDatabase("f", [])).toThrow(/no database is open/);
  });
});

describe("placeFleet", () => {
  it("keeps a recorded placement over the hash's choice", () => {
    const open = ["HISTORY_1", "HISTORY_2"];
    const fleet = keys(50).find((k) => pickDatabase(k, open) === "HISTORY_2") ?? "";
    expect(placeFleet(fleet, undefined, open)).toBe("HISTORY_2");
    expect(placeFleet(fleet, "HISTORY_1", open)).toBe("HISTORY_1");
    expect(placeFleet(fleet, PRIMARY_DB, open)).toBe(PRIMARY_DB);
  });
});

describe("placeHost", () => {
  const open = ["HISTORY_1", "HISTORY_2", "HISTORY_3"];
  const base = { fleetId: "big", recorded: undefined, fleetDatabase: "HISTORY_2", hostsPlaced: 0, open };

  it("puts a host with its fleet while the fleet is small", () => {
    for (const hostId of keys(50, "host")) {
      expect(placeHost({ ...base, hostId, hostsPlaced: HOSTS_WITH_FLEET - 1 })).toBe("HISTORY_2");
    }
  });

  it("spreads the hosts of a very large fleet over every open database", () => {
    const seen = new Set(
      keys(60, "host").map((hostId) => placeHost({ ...base, hostId, hostsPlaced: HOSTS_WITH_FLEET })),
    );
    expect([...seen].sort()).toEqual(open);
  });

  it("places by host when the fleet's database is closed to new history", () => {
    const seen = new Set(
      keys(60, "host").map((hostId) => placeHost({ ...base, hostId, fleetDatabase: PRIMARY_DB })),
    );
    expect(seen.has(PRIMARY_DB)).toBe(false);
    expect(seen.size).toBe(3);
  });

  it("keeps a recorded placement whatever the fleet and the open databases say", () => {
    expect(placeHost({ ...base, hostId: "h", recorded: "HISTORY_9" })).toBe("HISTORY_9");
    expect(placeHost({ ...base, hostId: "h", recorded: PRIMARY_DB, hostsPlaced: HOSTS_WITH_FLEET })).toBe(
      PRIMARY_DB,
    );
  });
});

describe("history bindings", () => {
  it("keeps DB and HISTORY_<n>, DB first and the others by number", () => {
    expect(
      historyBindings(["HISTORY_10", "FLEET", "HISTORY_2", "DB", "HISTORY_0", "HISTORY_1x", "HISTORY_1"]),
    ).toEqual(["DB", "HISTORY_1", "HISTORY_2", "HISTORY_10"]);
  });

  it("opens every history database, and DB only while there is none", () => {
    expect(openDatabases(["DB"], "")).toEqual(["DB"]);
    expect(openDatabases(["DB", "HISTORY_1", "HISTORY_2"], undefined)).toEqual(["HISTORY_1", "HISTORY_2"]);
  });

  it("opens what HISTORY_OPEN lists", () => {
    expect(openDatabases(["DB", "HISTORY_1", "HISTORY_2"], " HISTORY_2, DB ")).toEqual(["HISTORY_2", "DB"]);
  });

  it("refuses a HISTORY_OPEN that names a database not bound", () => {
    expect(() => openDatabases(["DB", "HISTORY_1"], "HISTORY_1,HISTORY_2")).toThrow(/HISTORY_2/);
  });
});
