import { describe, expect, it } from "vitest";
import { builtinRules } from "../../worker/src/alerts/rules";
import { api, createChannel, receiver, runCron } from "./alerts-helpers";
import { createFleet } from "./fixtures";

type Err = { error: string; message: string };
type Rule = {
  id: string;
  name: string;
  threshold: number;
  clearThreshold: number;
  enabled: boolean;
  windowS: number;
};

const cpuRule = { name: "cpu", metric: "cpu", comparator: ">", threshold: 80 };

describe("rules API", () => {
  it("lets viewers list rules and only admins change them", async () => {
    const fleet = await createFleet();
    const list = await api<{ rules: Rule[] }>(fleet.viewer, "GET", `/api/fleets/${fleet.id}/rules`);
    expect(list.status).toBe(200);
    expect(list.json.rules).toHaveLength(builtinRules(fleet.id).length);
    const denied = await api<Err>(fleet.viewer, "POST", `/api/fleets/${fleet.id}/rules`, cpuRule);
    expect(denied.status).toBe(403);
    const agent = await api<Err>(fleet.agent, "GET", `/api/fleets/${fleet.id}/rules`);
    expect(agent.status).toBe(403);
  });

  it("creates a rule with defaults, patches it, and deletes it", async () => {
    const fleet = await createFleet();
    const created = await api<{ rule: Rule }>(fleet.admin, "POST", `/api/fleets/${fleet.id}/rules`, cpuRule);
    expect(created.status).toBe(201);
    expect(created.json.rule).toMatchObject({
      name: "cpu",
      aggregation: "avg",
      windowS: 300,
      clearThreshold: 80,
      forS: 0,
      severity: "warning",
      repeatS: 0,
      enabled: true,
      hostMatch: "*",
      labelMatch: {},
      builtin: null,
    });
    const id = created.json.rule.id;
    const patched = await api<{ rule: Rule }>(fleet.admin, "PATCH", `/api/fleets/${fleet.id}/rules/${id}`, {
      threshold: 95,
      clearThreshold: 90,
      enabled: false,
    });
    expect(patched.status).toBe(200);
    expect(patched.json.rule).toMatchObject({
      threshold: 95,
      clearThreshold: 90,
      enabled: false,
      windowS: 300,
    });
    const got = await api<{ rule: Rule }>(fleet.viewer, "GET", `/api/fleets/${fleet.id}/rules/${id}`);
    expect(got.json.rule).toEqual(patched.json.rule);
    const put = await api<{ rule: Rule }>(fleet.admin, "PUT", `/api/fleets/${fleet.id}/rules/${id}`, cpuRule);
    expect(put.json.rule).toMatchObject({ threshold: 80, enabled: true });
    expect((await api(fleet.admin, "DELETE", `/api/fleets/${fleet.id}/rules/${id}`)).status).toBe(204);
    expect((await api(fleet.admin, "DELETE", `/api/fleets/${fleet.id}/rules/${id}`)).status).toBe(404);
  });

  it("refuses invalid rules with 400 naming the field", async () => {
    const fleet = await createFleet();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...cpuRule, metric: "bogus" }, /^metric: unknown metric/],
      [{ ...cpuRule, metric: "cpu:*" }, /^metric:/],
      [{ ...cpuRule, clearThreshold: 85 }, /^clearThreshold: must be on the clear side/],
      [{ ...cpuRule, comparator: "<", clearThreshold: 70 }, /^clearThreshold:/],
      [{ ...cpuRule, windowS: 30 }, /^windowS:/],
      [{ ...cpuRule, windowS: 7200 }, /^windowS:/],
      [{ ...cpuRule, aggregation: "p99" }, /^aggregation:/],
      [{ ...cpuRule, comparator: "==" }, /^comparator:/],
      [{ ...cpuRule, severity: "page" }, /^severity:/],
      [{ ...cpuRule, repeatS: 10 }, /^repeatS:/],
      [{ ...cpuRule, extra: 1 }, /extra/],
      [{ ...cpuRule, threshold: "90" }, /^threshold:/],
      [{ ...cpuRule, name: "" }, /^name:/],
      [{ ...cpuRule, name: "cpu\u202ehigh" }, /^name: must not contain control or invisible formatting/],
      [{ name: "down", metric: "host.down", comparator: "<", threshold: 3 }, /^comparator: host.down/],
      [{ ...cpuRule, labelMatch: { env: 1 } }, /^labelMatch.env:/],
    ];
    for (const [body, message] of cases) {
      const res = await api<Err>(fleet.admin, "POST", `/api/fleets/${fleet.id}/rules`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error).toBe("invalid_request");
      expect(res.json.message, JSON.stringify(body)).toMatch(message);
    }
  });

  it("checks the merged rule on PATCH and refuses duplicate names with 409", async () => {
    const fleet = await createFleet();
    const a = await api<{ rule: Rule }>(fleet.admin, "POST", `/api/fleets/${fleet.id}/rules`, cpuRule);
    const bad = await api<Err>(fleet.admin, "PATCH", `/api/fleets/${fleet.id}/rules/${a.json.rule.id}`, {
      clearThreshold: 99,
    });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/^clearThreshold:/);
    const dup = await api<Err>(fleet.admin, "POST", `/api/fleets/${fleet.id}/rules`, cpuRule);
    expect(dup.status).toBe(409);
    const dupPatch = await api<Err>(fleet.admin, "PATCH", `/api/fleets/${fleet.id}/rules/${a.json.rule.id}`, {
      name: "Host down",
    });
    expect(dupPatch.status).toBe(409);
  });

  it("keeps deleted built-in rules deleted", async () => {
    const fleet = await createFleet();
    const list = await api<{ rules: (Rule & { builtin: string })[] }>(
      fleet.admin,
      "GET",
      `/api/fleets/${fleet.id}/rules`,
    );
    const cpu = list.json.rules.find((r) => r.builtin === "cpu");
    expect((await api(fleet.admin, "DELETE", `/api/fleets/${fleet.id}/rules/${cpu?.id}`)).status).toBe(204);
    await runCron(fleet.id, Date.now(), receiver());
    const again = await api<{ rules: (Rule & { builtin: string })[] }>(
      fleet.admin,
      "GET",
      `/api/fleets/${fleet.id}/rules`,
    );
    expect(again.json.rules).toHaveLength(list.json.rules.length - 1);
    expect(again.json.rules.some((r) => r.builtin === "cpu")).toBe(false);
  });

  it("hides another fleet's rules behind 404", async () => {
    const a = await createFleet();
    const b = await createFleet();
    const res = await api<Err>(a.admin, "GET", `/api/fleets/${b.id}/rules`);
    expect(res.status).toBe(404);
  });
});

describe("channels API", () => {
  it("returns the signing secret once, then only hints", async () => {
    const fleet = await createFleet();
    const created = await createChannel(fleet, {
      name: "ops",
      kind: "webhook",
      url: "https://hooks.example.test/path/abcd1234",
      secret: "0123456789abcdefWXYZ",
    });
    expect(created.secret).toBe("0123456789abcdefWXYZ");
    const list = await api<{ channels: Record<string, unknown>[] }>(
      fleet.admin,
      "GET",
      `/api/fleets/${fleet.id}/channels`,
    );
    expect(list.json.channels).toEqual([
      expect.objectContaining({
        id: created.id,
        kind: "webhook",
        urlHint: "https://hooks.example.test/…1234",
        secretHint: "…WXYZ",
        enabled: true,
      }),
    ]);
    expect(JSON.stringify(list.json)).not.toContain("0123456789abcdef");
    expect(JSON.stringify(list.json)).not.toContain("/path/");
    const generated = await createChannel(fleet);
    expect(generated.secret).toMatch(/^whsec_/);
    expect((await api(fleet.viewer, "GET", `/api/fleets/${fleet.id}/channels`)).status).toBe(403);
  });

  it("refuses non-http URLs and secrets on unsigned kinds", async () => {
    const fleet = await createFleet();
    for (const url of ["ftp://example.test/x", "javascript:alert(1)", "file:///etc/passwd", "not a url"]) {
      const res = await api<Err>(fleet.admin, "POST", `/api/fleets/${fleet.id}/channels`, {
        name: "x",
        kind: "webhook",
        url,
      });
      expect(res.status, url).toBe(400);
      expect(res.json.message).toMatch(/^url:/);
    }
    const slack = await api<Err>(fleet.admin, "POST", `/api/fleets/${fleet.id}/channels`, {
      name: "s",
      kind: "slack",
      url: "https://hooks.slack.test/x",
      secret: "0123456789abcdef0123",
    });
    expect(slack.status).toBe(400);
    expect(slack.json.message).toMatch(/^secret:/);
  });

  it("rotates the secret and disables a channel with PATCH", async () => {
    const fleet = await createFleet();
    const ch = await createChannel(fleet);
    const res = await api<{ channel: { secretHint: string; enabled: boolean } }>(
      fleet.admin,
      "PATCH",
      `/api/fleets/${fleet.id}/channels/${ch.id}`,
      { secret: "a-new-secret-value-9876", enabled: false },
    );
    expect(res.json.channel).toMatchObject({ secretHint: "…9876", enabled: false });
  });

  it("records a test send in the delivery history", async () => {
    const fleet = await createFleet();
    const ch = await createChannel(fleet, { name: "dead", kind: "webhook", url: "http://127.0.0.1:9/x" });
    const res = await api<{ delivered: boolean; error: string }>(
      fleet.admin,
      "POST",
      `/api/fleets/${fleet.id}/channels/${ch.id}/test`,
    );
    expect(res.status).toBe(200);
    expect(res.json.delivered).toBe(false);
    expect(res.json.error).toBeTruthy();
    const hist = await api<{ notifications: { event: string; status: string; lastError: string }[] }>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/notifications?status=failed`,
    );
    expect(hist.json.notifications).toMatchObject([{ event: "test", status: "failed" }]);
  });
});

describe("silences API", () => {
  it("creates, lists and expires a silence", async () => {
    const fleet = await createFleet();
    const created = await api<{ silence: { id: string; active: boolean; endsAt: number } }>(
      fleet.admin,
      "POST",
      `/api/fleets/${fleet.id}/silences`,
      { matchers: { rule: "Disk*", labels: { env: "prod" } }, durationS: 600 },
    );
    expect(created.status).toBe(201);
    expect(created.json.silence.active).toBe(true);
    const listed = await api<{ silences: unknown[] }>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/silences`,
    );
    expect(listed.json.silences).toHaveLength(1);
    const expired = await api<{ silence: { active: boolean } }>(
      fleet.admin,
      "DELETE",
      `/api/fleets/${fleet.id}/silences/${created.json.silence.id}`,
    );
    expect(expired.json.silence.active).toBe(false);
    const active = await api<{ silences: unknown[] }>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/silences`,
    );
    expect(active.json.silences).toHaveLength(0);
    const all = await api<{ silences: unknown[] }>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/silences?state=all`,
    );
    expect(all.json.silences).toHaveLength(1);
  });

  it("refuses a silence without matchers or expiry", async () => {
    const fleet = await createFleet();
    const path = `/api/fleets/${fleet.id}/silences`;
    const none = await api<Err>(fleet.admin, "POST", path, { matchers: {}, durationS: 600 });
    expect(none.json.message).toMatch(/^matchers: give at least one matcher/);
    const noEnd = await api<Err>(fleet.admin, "POST", path, { matchers: { host: "*" } });
    expect(noEnd.json.message).toMatch(/^endsAt: give either endsAt or durationS/);
    const past = await api<Err>(fleet.admin, "POST", path, {
      matchers: { host: "*" },
      endsAt: Date.now() - 1000,
    });
    expect(past.status).toBe(400);
    expect(past.json.message).toMatch(/^endsAt:/);
  });
});

describe("alerts API", () => {
  it("filters by state and rejects unknown ones", async () => {
    const fleet = await createFleet();
    const ok = await api<{ alerts: unknown[]; evaluation: { lastError: null } }>(
      fleet.viewer,
      "GET",
      `/api/fleets/${fleet.id}/alerts?state=all`,
    );
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ alerts: [], evaluation: { lastError: null, lastErrorAt: null } });
    const bad = await api<Err>(fleet.viewer, "GET", `/api/fleets/${fleet.id}/alerts?state=bogus`);
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/^state:/);
  });
});
