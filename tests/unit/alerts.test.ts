import { describe, expect, it } from "vitest";
import { afterFailure, isRetryable, RETRY_MAX_DELAY_MS, retryDelay } from "../../worker/src/alerts/backoff";
import { isHttpUrl, urlHint } from "../../worker/src/alerts/channels";
import { discordBody, slackBody } from "../../worker/src/alerts/chat-formats";
import { globMatch, hostMatches, labelsMatch } from "../../worker/src/alerts/glob";
import { type HostFacts, missedIntervals, observeRule } from "../../worker/src/alerts/observe";
import { type AlertPayload, hmacSha256Hex } from "../../worker/src/alerts/payload";
import { fingerprint, planFleet } from "../../worker/src/alerts/plan";
import { builtinRules, type RuleSpec, ruleProblem } from "../../worker/src/alerts/rules";
import { isSilenced, parseMatchers } from "../../worker/src/alerts/silences";
import { type OpenAlert, type StepRule, stepAlert } from "../../worker/src/alerts/state-machine";
import type { Alert } from "../../worker/src/db/alerts-schema";

const MIN = 60_000;

describe("glob matching", () => {
  it("matches * and ? and escapes everything else", () => {
    expect(globMatch("web-*", "web-12")).toBe(true);
    expect(globMatch("web-?", "web-12")).toBe(false);
    expect(globMatch("a.b", "axb")).toBe(false);
    expect(globMatch("db(1)", "db(1)")).toBe(true);
    expect(globMatch("*", "")).toBe(true);
  });

  it("compares hostnames case-insensitively and labels exactly", () => {
    const host = { hostname: "Web-1", labels: { env: "prod", role: "api" } };
    expect(hostMatches("web-*", {}, host)).toBe(true);
    expect(hostMatches("*", { env: "prod", role: "a*" }, host)).toBe(true);
    expect(hostMatches("*", { env: "Prod" }, host)).toBe(false);
    expect(labelsMatch({ zone: "*" }, host.labels)).toBe(false);
  });
});

describe("alert state machine", () => {
  const rule: StepRule = { comparator: ">", threshold: 90, clearThreshold: 80, forS: 300, repeatS: 0 };
  const pending = (since: number): OpenAlert => ({
    state: "pending",
    pendingSince: since,
    lastNotifiedAt: null,
  });
  const firing = (notified: number | null): OpenAlert => ({
    state: "firing",
    pendingSince: 0,
    lastNotifiedAt: notified,
  });

  it("opens pending on a crossing, and fires straight away when `for` is 0", () => {
    expect(stepAlert(rule, undefined, 95, 0, false)).toEqual({ to: "pending" });
    expect(stepAlert({ ...rule, forS: 0 }, undefined, 95, 0, false)).toEqual({ to: "firing", notify: true });
    expect(stepAlert(rule, undefined, 90, 0, false)).toEqual({ to: "same" });
    expect(stepAlert(rule, undefined, undefined, 0, false)).toEqual({ to: "same" });
  });

  it("fires once the crossing has held for `for`", () => {
    expect(stepAlert(rule, pending(0), 95, 4 * MIN, false)).toEqual({ to: "same" });
    expect(stepAlert(rule, pending(0), 95, 5 * MIN, false)).toEqual({ to: "firing", notify: true });
  });

  it("drops a pending alert that stops crossing, without a notification", () => {
    expect(stepAlert(rule, pending(0), 85, MIN, false)).toEqual({ to: "inactive" });
  });

  it("keeps firing inside the hysteresis band and resolves past the clear threshold", () => {
    expect(stepAlert(rule, firing(0), 85, MIN, false)).toEqual({ to: "same" });
    expect(stepAlert(rule, firing(0), 80, MIN, false)).toEqual({ to: "resolved", notify: true });
    expect(stepAlert(rule, firing(0), undefined, MIN, false)).toEqual({ to: "resolved", notify: true });
  });

  it("works for lower-bound comparators", () => {
    const low: StepRule = { comparator: "<=", threshold: 10, clearThreshold: 20, forS: 0, repeatS: 0 };
    expect(stepAlert(low, undefined, 10, 0, false)).toEqual({ to: "firing", notify: true });
    expect(stepAlert(low, firing(0), 15, MIN, false)).toEqual({ to: "same" });
    expect(stepAlert(low, firing(0), 21, MIN, false)).toEqual({ to: "resolved", notify: true });
  });

  it("repeats at the repeat interval only", () => {
    const r = { ...rule, repeatS: 600 };
    expect(stepAlert(r, firing(0), 95, 9 * MIN, false)).toEqual({ to: "same" });
    expect(stepAlert(r, firing(0), 95, 10 * MIN, false)).toEqual({ to: "notify", event: "repeat" });
    expect(stepAlert(rule, firing(0), 95, 1000 * MIN, false)).toEqual({ to: "same" });
  });

  it("mutes a silenced alert and announces it when the silence ends", () => {
    expect(stepAlert({ ...rule, forS: 0 }, undefined, 95, 0, true)).toEqual({ to: "firing", notify: false });
    expect(stepAlert(rule, firing(null), 95, MIN, true)).toEqual({ to: "same" });
    expect(stepAlert(rule, firing(null), 95, MIN, false)).toEqual({ to: "notify", event: "firing" });
    // A resolve is announced only when the firing was.
    expect(stepAlert(rule, firing(null), 50, MIN, false)).toEqual({ to: "resolved", notify: false });
  });

  it("never notifies while the value flaps around the threshold before `for`", () => {
    let open: OpenAlert | undefined;
    const notes: unknown[] = [];
    for (let i = 0; i < 20; i++) {
      const step = stepAlert(rule, open, i % 2 ? 95 : 85, i * MIN, false);
      if (step.to === "pending") open = pending(i * MIN);
      if (step.to === "inactive") open = undefined;
      if (step.to === "firing" || step.to === "notify") notes.push(step);
    }
    expect(notes).toEqual([]);
  });
});

describe("rule evaluation", () => {
  const hosts: HostFacts[] = [
    { id: "h1", hostname: "web-1", labels: { env: "prod" }, lastSeen: 100_000, intervalS: 5 },
    { id: "h2", hostname: "db-1", labels: {}, lastSeen: 0, intervalS: 5 },
  ];

  it("measures host down in missed intervals, for hosts that ever reported", () => {
    const obs = observeRule(
      { id: "r", metric: "host.down", hostMatch: "*", labelMatch: {} },
      hosts,
      [],
      120_000,
    );
    expect(obs).toEqual([
      { ruleId: "r", hostId: "h1", hostname: "web-1", labels: { env: "prod" }, series: "", value: 4 },
    ]);
    expect(missedIntervals(0, 5, 15_001)).toBe(3);
  });

  it("keeps only matched hosts' values", () => {
    const values = [
      { hostId: "h1", series: "disk:/", value: 95 },
      { hostId: "h2", series: "disk:/", value: 99 },
    ];
    const obs = observeRule(
      { id: "r", metric: "disk:*", hostMatch: "web-*", labelMatch: {} },
      hosts,
      values,
      0,
    );
    expect(obs.map((o) => [o.hostId, o.series])).toEqual([["h1", "disk:/"]]);
  });

  it("resolves open alerts whose rule was deleted or disabled, and drops pending ones", async () => {
    const fp = await fingerprint("f", "gone", "h1", "");
    const open = (state: "pending" | "firing", id: string): Alert => ({
      id,
      fleetId: "f",
      fingerprint: `${fp}${id}`,
      ruleId: "gone",
      ruleName: "old",
      severity: "warning",
      hostId: "h1",
      hostname: "web-1",
      series: "",
      labels: "{}",
      state,
      value: 1,
      threshold: 0,
      pendingSince: 0,
      startsAt: state === "firing" ? 0 : null,
      endsAt: null,
      lastNotifiedAt: state === "firing" ? 0 : null,
      version: 3,
      updatedAt: 0,
    });
    const actions = planFleet({
      fleetId: "f",
      rules: [],
      open: [open("firing", "a"), open("pending", "b")],
      observations: [],
      silences: [],
      now: MIN,
    });
    expect(actions).toMatchObject([
      { kind: "update", version: 3, notify: "resolved", alert: { id: "a", state: "resolved", endsAt: MIN } },
      { kind: "delete", id: "b", version: 3 },
    ]);
  });

  it("fingerprints (fleet, rule, host, series)", async () => {
    expect(await fingerprint("f", "r", "h", "disk:/")).toMatch(/^[0-9a-f]{32}$/);
    expect(await fingerprint("f", "r", "h", "disk:/")).not.toBe(
      await fingerprint("f", "r", "h", "disk:/var"),
    );
  });
});

describe("rules", () => {
  const base: RuleSpec = builtinRules("f", 0).find((r) => r.builtin === "cpu") as unknown as RuleSpec;

  it("ships valid built-ins", () => {
    for (const r of builtinRules("f", 0)) {
      expect(ruleProblem({ ...r, labelMatch: JSON.parse(r.labelMatch) } as RuleSpec)).toBeUndefined();
    }
  });

  it("requires the clear threshold on the clear side", () => {
    expect(ruleProblem({ ...base, comparator: ">", threshold: 90, clearThreshold: 91 })?.path).toBe(
      "clearThreshold",
    );
    expect(ruleProblem({ ...base, comparator: "<", threshold: 10, clearThreshold: 9 })?.path).toBe(
      "clearThreshold",
    );
    expect(ruleProblem({ ...base, comparator: "<", threshold: 10, clearThreshold: 12 })).toBeUndefined();
  });
});

describe("silences", () => {
  const target = {
    rule: "Disk above 90 %",
    hostname: "db-1",
    severity: "warning" as const,
    labels: { env: "prod" },
  };

  it("match when every given matcher matches, while in effect", () => {
    const s = { matchers: { rule: "Disk*", labels: { env: "prod" } }, startsAt: 0, endsAt: 100 };
    expect(isSilenced([s], target, 50)).toBe(true);
    expect(isSilenced([s], target, 100)).toBe(false);
    expect(isSilenced([{ ...s, matchers: { ...s.matchers, severity: "critical" } }], target, 50)).toBe(false);
  });

  it("treats a malformed stored silence as matching nothing", () => {
    expect(isSilenced([{ matchers: parseMatchers("[1]"), startsAt: 0, endsAt: 100 }], target, 50)).toBe(
      false,
    );
    expect(isSilenced([{ matchers: parseMatchers("{"), startsAt: 0, endsAt: 100 }], target, 50)).toBe(false);
  });
});

describe("delivery", () => {
  it("backs off exponentially with jitter, capped", () => {
    expect(retryDelay(1, 30_000, () => 0.5)).toBe(30_000);
    expect(retryDelay(2, 30_000, () => 0.5)).toBe(60_000);
    expect(retryDelay(3, 30_000, () => 0)).toBe(96_000);
    expect(retryDelay(50, 30_000, () => 0.5)).toBe(RETRY_MAX_DELAY_MS);
  });

  it("gives up after 24 h and on permanent errors", () => {
    expect(afterFailure(1, 0, 1000, true, 30_000, () => 0.5)).toEqual({
      status: "pending",
      nextAttemptAt: 31_000,
    });
    expect(afterFailure(90, 0, 24 * 3_600_000, true)).toEqual({ status: "failed" });
    expect(afterFailure(1, 0, 1000, false)).toEqual({ status: "failed" });
    expect([undefined, 500, 503, 429, 408].every(isRetryable)).toBe(true);
    expect([400, 401, 404, 410, 301].some(isRetryable)).toBe(false);
  });

  it("signs with HMAC-SHA256 (RFC 4231 test case 2)", async () => {
    expect(await hmacSha256Hex("Jefe", "what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("renders Slack and Discord shapes", () => {
    const p: AlertPayload = {
      version: 1,
      fleet: "prod",
      status: "resolved",
      alerts: [
        {
          fingerprint: "x",
          rule: "CPU <high>",
          severity: "critical",
          host: "web-1",
          hostId: "h1",
          series: "cpu",
          labels: {},
          value: 42,
          threshold: 90,
          startsAt: "2026-01-01T00:00:00.000Z",
          endsAt: "2026-01-01T00:10:00.000Z",
          url: "https://fw.example/hosts/h1",
        },
      ],
    };
    const slack = slackBody(p);
    expect(slack.text).toBe("RESOLVED CPU <high> on web-1 cpu: 42 (threshold 90)");
    expect(JSON.stringify(slack.blocks)).toContain("CPU &lt;high&gt;");
    const discord = discordBody(p);
    expect(discord.embeds).toMatchObject([{ color: 0x2fa84f, url: "https://fw.example/hosts/h1" }]);
  });

  it("accepts only http(s) channel URLs and hides their paths", () => {
    expect(isHttpUrl("https://a.test/x")).toBe(true);
    expect(isHttpUrl("ftp://a.test/x")).toBe(false);
    expect(isHttpUrl("javascript:alert(1)")).toBe(false);
    expect(urlHint("https://hooks.slack.com/services/T0/B0/secret1234")).toBe(
      "https://hooks.slack.com/…1234",
    );
  });
});
