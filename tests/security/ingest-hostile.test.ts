import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { encodeEnvelopes } from "@connectrpc/connect/protocol";
import type { HostInfoSchema } from "@fleetwatch/proto/host_pb";
import { PushRequestSchema } from "@fleetwatch/proto/ingest_pb";
import { type Sample, SampleSchema } from "@fleetwatch/proto/sample_pb";
import { describe, expect, it } from "vitest";
import { MAX_PUSH_SAMPLES } from "../../worker/src/rpc/ingest-service";
import { createFleet, hostInfo, ingestClient, registerHost, sample } from "../worker/fixtures";
import { errorOf, eventually, fleetState, hostsOf, openStream, outcomeOf, postIngest } from "./helpers";

/** A fleet with one host that holds one good sample (seq 1). */
async function seeded() {
  const fleet = await createFleet();
  const { client, hostId } = await registerHost(fleet.agent);
  await client.push({ samples: [sample(1)] });
  const before = await fleetState(fleet.id, fleet.viewer);
  const unchanged = async () => expect(await fleetState(fleet.id, fleet.viewer)).toEqual(before);
  return { fleet, client, hostId, before, unchanged };
}

const now = () => Date.now();
const many = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

/** [what, sample fields (or a whole sample), the reason the hub must give]. */
const BAD_SAMPLES: [string, () => Sample, string][] = [
  [
    "NaN cpu",
    () => sample(2, now(), { cpu: { totalPct: Number.NaN, perCorePct: [] } }),
    "cpu.total_pct must be a finite number",
  ],
  [
    "Infinity load",
    () => sample(2, now(), { load: { load1: Number.POSITIVE_INFINITY, load5: 0, load15: 0 } }),
    "load.load1 must be a finite number",
  ],
  [
    "-Infinity network rate",
    () =>
      sample(2, now(), { net: [{ name: "eth0", rxBytesPerS: Number.NEGATIVE_INFINITY, txBytesPerS: 0 }] }),
    "net[0].rx_bytes_per_s must be a finite number",
  ],
  [
    "negative disk rate",
    () => sample(2, now(), { diskIo: { readBytesPerS: -1, writeBytesPerS: 0 } }),
    "disk_io.read_bytes_per_s must not be negative",
  ],
  ["negative uptime", () => sample(2, now(), { uptimeS: -5 }), "uptime_s must not be negative"],
  [
    "negative process cpu",
    () =>
      sample(2, now(), {
        processes: { total: 1, running: 1, topCpu: [{ pid: 1, name: "x", cpuPct: -3, memoryBytes: 1n }] },
      }),
    "processes.top_cpu[0].cpu_pct must not be negative",
  ],
  [
    "cpu above 100 %",
    () => sample(2, now(), { cpu: { totalPct: 100.0001, perCorePct: [] } }),
    "cpu.total_pct must be a percentage in 0..100",
  ],
  [
    "cpu below 0 %",
    () => sample(2, now(), { cpu: { totalPct: -0.1, perCorePct: [] } }),
    "cpu.total_pct must be a percentage in 0..100",
  ],
  [
    "a core above 100 %",
    () => sample(2, now(), { cpu: { totalPct: 50, perCorePct: [50, 101] } }),
    "cpu.per_core_pct[1] must be a percentage",
  ],
  [
    "NaN user %",
    () => sample(2, now(), { cpu: { totalPct: 5, userPct: Number.NaN, perCorePct: [] } }),
    "cpu.user_pct must be a finite number",
  ],
  [
    "swap used above total (a percentage above 100)",
    () => sample(2, now(), { swap: { totalBytes: 10n, usedBytes: 11n } }),
    "swap.used_bytes exceeds total_bytes",
  ],
  [
    "memory available above total",
    () => sample(2, now(), { memory: { totalBytes: 10n, usedBytes: 1n, availableBytes: 11n } }),
    "memory.available_bytes exceeds total_bytes",
  ],
  [
    "filesystem used above size",
    () => sample(2, now(), { filesystems: [{ mount: "/", sizeBytes: 1n, usedBytes: 2n }] }),
    "filesystems[0].used_bytes exceeds size_bytes",
  ],
  [
    "bytes beyond 2^53",
    () => sample(2, now(), { memory: { totalBytes: 1n << 60n, usedBytes: 1n, availableBytes: 1n } }),
    "memory.total_bytes is out of range",
  ],
  [
    "an impossible temperature",
    () => sample(2, now(), { temperatures: [{ sensor: "cpu", celsius: -300 }] }),
    "not a plausible temperature",
  ],
  [
    "a time 6 minutes in the future",
    () => sample(2, now() + 6 * 60_000),
    "more than 5 minutes in the future",
  ],
  [
    "a time a year in the future",
    () => sample(2, now() + 365 * 86_400_000),
    "more than 5 minutes in the future",
  ],
  ["a time two days old", () => sample(2, now() - 2 * 86_400_000), "older than the 23 h replay window"],
  ["time zero", () => sample(2, 0), "time_ms is out of range"],
  ["a negative time", () => create(SampleSchema, { seq: 2n, timeMs: -1n }), "time_ms is out of range"],
  ["seq zero", () => sample(0), "seq must be a positive integer"],
  [
    "seq beyond 2^53",
    () => create(SampleSchema, { seq: 1n << 60n, timeMs: BigInt(now()) }),
    "seq must be a positive integer",
  ],
  [
    "5,000 mounts",
    () =>
      sample(2, now(), {
        filesystems: many(5000, (i) => ({ mount: `/m${i}`, sizeBytes: 2n, usedBytes: 1n })),
      }),
    "filesystems has 5000 entries",
  ],
  [
    "5,000 interfaces",
    () => sample(2, now(), { net: many(5000, (i) => ({ name: `if${i}`, rxBytesPerS: 1, txBytesPerS: 1 })) }),
    "net has 5000 entries",
  ],
  [
    "2,000 cores",
    () => sample(2, now(), { cpu: { totalPct: 1, perCorePct: many(2000, () => 1) } }),
    "cpu.per_core_pct has 2000 entries",
  ],
  [
    "1,000 sensors",
    () => sample(2, now(), { temperatures: many(1000, (i) => ({ sensor: `s${i}`, celsius: 40 })) }),
    "temperatures has 1000 entries",
  ],
  [
    "100 top processes",
    () =>
      sample(2, now(), {
        processes: {
          total: 1,
          running: 1,
          topCpu: many(100, (i) => ({ pid: i, name: "p", cpuPct: 1, memoryBytes: 1n })),
        },
      }),
    "processes.top_cpu has 100 entries",
  ],
  [
    "NUL in a mount",
    () => sample(2, now(), { filesystems: [{ mount: "/\u0000etc", sizeBytes: 2n, usedBytes: 1n }] }),
    "filesystems[0].mount must not contain control or invisible formatting characters",
  ],
  [
    "a C1 control in an interface",
    () => sample(2, now(), { net: [{ name: "eth\u009b0", rxBytesPerS: 1, txBytesPerS: 1 }] }),
    "net[0].name must not contain control or invisible formatting characters",
  ],
  [
    "a newline in an interface",
    () => sample(2, now(), { net: [{ name: "eth\n0", rxBytesPerS: 1, txBytesPerS: 1 }] }),
    "net[0].name must not contain control or invisible formatting characters",
  ],
  [
    "an escape sequence in a sensor",
    () => sample(2, now(), { temperatures: [{ sensor: "\u001b[31mcpu", celsius: 40 }] }),
    "temperatures[0].sensor must not contain control or invisible formatting characters",
  ],
  [
    "DEL in a process name",
    () =>
      sample(2, now(), {
        processes: {
          total: 1,
          running: 1,
          topMemory: [{ pid: 1, name: "x\u007f", cpuPct: 1, memoryBytes: 1n }],
        },
      }),
    "processes.top_memory[0].name must not contain control or invisible formatting characters",
  ],
  [
    "an empty mount",
    () => sample(2, now(), { filesystems: [{ mount: "", sizeBytes: 2n, usedBytes: 1n }] }),
    "filesystems[0].mount must not be empty",
  ],
  [
    "a 2,000-character mount",
    () =>
      sample(2, now(), { filesystems: [{ mount: `/${"a".repeat(2000)}`, sizeBytes: 2n, usedBytes: 1n }] }),
    "filesystems[0].mount must be at most 1024 characters",
  ],
];

describe("hostile samples: a precise code and reason, nothing stored", () => {
  for (const [what, bad, reason] of BAD_SAMPLES) {
    it(`refuses ${what} in a Push (with a good sample beside it) as invalid_argument`, async () => {
      const s = await seeded();
      const err = await errorOf(s.client.push({ samples: [sample(3), bad()] }));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toContain(reason);
      await s.unchanged();
    });
  }

  it("refuses a bad sample in a Stream and keeps the good ones before it", async () => {
    const s = await seeded();
    const bad = (BAD_SAMPLES[0]?.[1] ?? (() => sample(9)))();
    bad.seq = 4n;
    const body = encodeEnvelopes(
      ...[sample(2), sample(3), bad, sample(5)].map((m) => ({ flags: 0, data: toBinary(SampleSchema, m) })),
    );
    const out = await outcomeOf(await postIngest("Stream", s.fleet.agent, s.hostId, body));
    expect(out.httpStatus).toBe(200);
    expect(out.code).toBe(Code.InvalidArgument);
    expect(out.message).toContain("sample seq 4: cpu.total_pct must be a finite number");
    const [host] = await hostsOf(s.fleet.id, s.fleet.viewer);
    expect(host?.lastSeq).toBe(3);
  });
});

describe("hostile host info (Hello)", () => {
  const BAD_INFO: [string, MessageInitShape<typeof HostInfoSchema>, string][] = [
    [
      "a 254-character hostname",
      { hostname: `${"a".repeat(250)}.com` },
      "hostname must be at most 253 characters",
    ],
    ["an empty hostname", { hostname: "   " }, "hostname must not be empty"],
    [
      "an escape sequence in the hostname",
      { hostname: "web\u001b]0;pwned\u0007" },
      "hostname must not contain control or invisible formatting characters",
    ],
    [
      "a NUL in the OS",
      { os: "Linux\u0000" },
      "os must not contain control or invisible formatting characters",
    ],
    [
      "a right-to-left override in the hostname",
      { hostname: "web-\u202egnp.exe" },
      "hostname must not contain control or invisible formatting characters",
    ],
    [
      "a zero-width space in a label value",
      { labels: { env: "pro\u200bd" } },
      "label env must not contain control or invisible formatting characters",
    ],
    ["3,000 labels", { labels: Object.fromEntries(many(3000, (i) => [`k${i}`, "v"])) }, "at most 32 labels"],
    ["a label key with a space", { labels: { "a b": "v" } }, 'label key "a b"'],
    [
      "a CR in a label value",
      { labels: { env: "prod\r\nX-Injected: 1" } },
      "label env must not contain control or invisible formatting characters",
    ],
    ["an hour-plus interval", { intervalS: 100_000 }, "interval_s must be at most 3600"],
    ["memory beyond 2^53", { memoryBytes: 1n << 60n }, "memory_bytes is out of range"],
  ];
  for (const [what, init, reason] of BAD_INFO) {
    it(`refuses ${what} as invalid_argument and registers nothing`, async () => {
      const s = await seeded();
      const err = await errorOf(ingestClient(s.fleet.agent).hello(hostInfo(init)));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toContain(reason);
      await s.unchanged();
    });
  }

  it("accepts a 253-character hostname", async () => {
    const fleet = await createFleet();
    const hostname = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;
    expect(hostname).toHaveLength(253);
    await registerHost(fleet.agent, hostInfo({ hostname }));
    expect((await hostsOf(fleet.id, fleet.viewer))[0]?.info.hostname).toBe(hostname);
  });
});

describe("hostile framing and sizes", () => {
  it("refuses a garbage Push body as invalid_argument (not internal)", async () => {
    const s = await seeded();
    const out = await outcomeOf(
      await postIngest("Push", s.fleet.agent, s.hostId, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2])),
    );
    expect(out.httpStatus).toBe(400);
    expect(out.code).toBe(Code.InvalidArgument);
    expect(out.message).toContain("cannot decode message");
    await s.unchanged();
  });

  it("refuses a Push whose sample length points past the end as invalid_argument", async () => {
    const s = await seeded();
    const good = toBinary(PushRequestSchema, create(PushRequestSchema, { samples: [sample(2)] }));
    const out = await outcomeOf(
      await postIngest("Push", s.fleet.agent, s.hostId, good.subarray(0, good.length - 7)),
    );
    expect(out.code).toBe(Code.InvalidArgument);
    await s.unchanged();
  });

  it("refuses malformed and mistyped JSON Pushes as invalid_argument", async () => {
    const s = await seeded();
    for (const body of [
      "{{",
      '{"samples":[{"seq":"1","timeMs":"x"}]}',
      '{"samples":[{"seq":"2","timeMs":"1","cpu":"hot"}]}',
      '{"samples":{"seq":"2"}}',
      '{"samples":[{"seq":-1}]}',
    ]) {
      const out = await outcomeOf(
        await postIngest("Push", s.fleet.agent, s.hostId, body, "application/json"),
      );
      expect(out.code, body).toBe(Code.InvalidArgument);
      expect(out.httpStatus, body).toBe(400);
    }
    await s.unchanged();
  });

  it(`refuses a batch of ${MAX_PUSH_SAMPLES + 1} samples as invalid_argument`, async () => {
    const s = await seeded();
    const err = await errorOf(s.client.push({ samples: many(MAX_PUSH_SAMPLES + 1, (i) => sample(i + 2)) }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain(`exceeds the limit of ${MAX_PUSH_SAMPLES}`);
    await s.unchanged();
  });

  it("refuses a Push body over 4 MiB as resource_exhausted", async () => {
    const s = await seeded();
    const fat = create(PushRequestSchema, {
      samples: many(600, (i) =>
        sample(i + 2, now(), {
          filesystems: many(8, (j) => ({ mount: `/${"m".repeat(1000)}${j}`, sizeBytes: 2n, usedBytes: 1n })),
        }),
      ),
    });
    const out = await outcomeOf(
      await postIngest("Push", s.fleet.agent, s.hostId, toBinary(PushRequestSchema, fat)),
    );
    expect(out.code).toBe(Code.ResourceExhausted);
    await s.unchanged();
  });

  it("refuses a Push holding one sample over 64 KiB as resource_exhausted, storing none of the batch", async () => {
    const s = await seeded();
    const fat = sample(3, now(), {
      filesystems: many(70, (j) => ({ mount: `/${"m".repeat(1000)}${j}`, sizeBytes: 2n, usedBytes: 1n })),
    });
    const err = await errorOf(s.client.push({ samples: [sample(2), fat] }));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.rawMessage).toMatch(/^samples\[1\] is \d+ bytes, over the per-sample limit of 65536$/);
    await s.unchanged();
  });

  it("refuses a Hello over 64 KiB as resource_exhausted", async () => {
    const s = await seeded();
    const err = await errorOf(ingestClient(s.fleet.agent).hello(hostInfo({ cpuModel: "x".repeat(70_000) })));
    expect(err.code).toBe(Code.ResourceExhausted);
    await s.unchanged();
  });

  it("ends a Stream at a message over 64 KiB with resource_exhausted, keeping the samples before", async () => {
    const s = await seeded();
    const fat = sample(3, now(), {
      filesystems: many(70, (j) => ({ mount: `/${"m".repeat(1000)}${j}`, sizeBytes: 2n, usedBytes: 1n })),
    });
    expect(toBinary(SampleSchema, fat).length).toBeGreaterThan(64 * 1024);
    // Message by message, as an agent streams: connect-es splits a chunk's
    // envelopes before handing any on, so a good sample sharing one network
    // chunk with an oversized one is refused with it (and resent by the agent).
    const stream = openStream(s.fleet.agent, s.hostId);
    await stream.send(toBinary(SampleSchema, sample(2)));
    await eventually(async () => (await hostsOf(s.fleet.id, s.fleet.viewer))[0]?.lastSeq === 2);
    await stream.send(toBinary(SampleSchema, fat)).catch(() => {});
    await stream.close().catch(() => {});
    const out = await outcomeOf(await stream.response);
    expect(out.code).toBe(Code.ResourceExhausted);
    expect(out.message).toContain("larger than configured readMaxBytes");
    const [host] = await hostsOf(s.fleet.id, s.fleet.viewer);
    expect(host?.lastSeq).toBe(2);
    expect(host?.metrics.filesystems?.[0]?.mount).toBe("/");
  });

  it("ignores an end-stream envelope sent by the client", async () => {
    const s = await seeded();
    const body = encodeEnvelopes(
      { flags: 0, data: toBinary(SampleSchema, sample(2)) },
      { flags: 2, data: new TextEncoder().encode('{"error":{"code":"internal"}}') },
    );
    const out = await outcomeOf(await postIngest("Stream", s.fleet.agent, s.hostId, body));
    expect(out.code).toBeUndefined();
    expect((await hostsOf(s.fleet.id, s.fleet.viewer))[0]?.lastSeq).toBe(2);
  });

  const framing: [string, Uint8Array, string][] = [
    [
      "garbage inside a whole envelope",
      encodeEnvelopes({ flags: 0, data: new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]) }),
      "cannot decode message",
    ],
    [
      "a truncated envelope (length promises more than comes)",
      new Uint8Array([0, 0, 0, 0, 100, 8, 1, 16]),
      "incomplete envelope",
    ],
    ["a half envelope header", new Uint8Array([0, 0, 0]), "incomplete envelope"],
    [
      "a compressed envelope without an encoding",
      encodeEnvelopes({ flags: 1, data: toBinary(SampleSchema, sample(3)) }),
      "cannot decode message",
    ],
  ];
  for (const [what, tail, reason] of framing) {
    it(`ends a Stream at ${what} with invalid_argument, keeping the sample before`, async () => {
      const s = await seeded();
      const head = encodeEnvelopes({ flags: 0, data: toBinary(SampleSchema, sample(2)) });
      const body = new Uint8Array(head.length + tail.length);
      body.set(head);
      body.set(tail, head.length);
      const out = await outcomeOf(await postIngest("Stream", s.fleet.agent, s.hostId, body));
      expect(out.httpStatus).toBe(200);
      expect(out.code).toBe(Code.InvalidArgument);
      expect(out.message).toContain(reason);
      const [host] = await hostsOf(s.fleet.id, s.fleet.viewer);
      expect(host?.lastSeq).toBe(2);
      expect(host?.metrics).toEqual(s.before.hosts[0]?.metrics);
    });
  }

  it("refuses samples without the host header as invalid_argument", async () => {
    const s = await seeded();
    const err = await errorOf(ingestClient(s.fleet.agent).push({ samples: [sample(2)] }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("fleetwatch-host-id");
    await s.unchanged();
  });

  it("refuses samples for a host that never said Hello as failed_precondition", async () => {
    const s = await seeded();
    const err = await errorOf(
      ingestClient(s.fleet.agent, "h_0000000000000000dead").push({ samples: [sample(2)] }),
    );
    expect(err.code).toBe(Code.FailedPrecondition);
    await s.unchanged();
  });
});

describe("duplicates and regressing seq", () => {
  it("counts a resent seq with different content as a duplicate and changes nothing", async () => {
    const s = await seeded();
    const res = await s.client.push({
      samples: [sample(1, now(), { cpu: { totalPct: 99, perCorePct: [] } })],
    });
    expect(res.accepted).toBe(0);
    expect(res.duplicates).toBe(1);
    const after = await fleetState(s.fleet.id, s.fleet.viewer);
    expect(after.hosts[0]?.metrics).toEqual(s.before.hosts[0]?.metrics);
    expect(after.hosts[0]?.lastSeq).toBe(1);
    expect(after.raw).toEqual(s.before.raw);
  });

  it("counts an old seq replayed in a Stream after newer ones as a duplicate", async () => {
    const s = await seeded();
    await s.client.push({ samples: [sample(2), sample(3), sample(4)] });
    const mid = await fleetState(s.fleet.id, s.fleet.viewer);
    const body = encodeEnvelopes(
      ...[sample(3, now(), { cpu: { totalPct: 80, perCorePct: [] } }), sample(1)].map((m) => ({
        flags: 0,
        data: toBinary(SampleSchema, m),
      })),
    );
    const res = await postIngest("Stream", s.fleet.agent, s.hostId, body);
    const out = await outcomeOf(res.clone());
    expect(out.code).toBeUndefined();
    const after = await fleetState(s.fleet.id, s.fleet.viewer);
    expect(after.hosts[0]?.metrics).toEqual(mid.hosts[0]?.metrics);
    expect(after.raw).toEqual(mid.raw);
  });

  it("keeps a late, never-seen seq as history without overwriting newer state", async () => {
    const s = await seeded();
    await s.client.push({ samples: [sample(10, now(), { cpu: { totalPct: 50, perCorePct: [] } })] });
    await s.client.push({ samples: [sample(5, now() - 60_000, { cpu: { totalPct: 5, perCorePct: [] } })] });
    const [host] = await hostsOf(s.fleet.id, s.fleet.viewer);
    expect(host?.metrics.cpu?.totalPct).toBe(50);
    expect(host?.lastSeq).toBe(10);
  });
});

describe("rate limits", () => {
  it("refuses a host past its burst with resource_exhausted on Push and Stream, storing nothing more", async () => {
    const s = await seeded();
    // Duplicates still count against the limit: 20 x 1000 fills the host's 20,000 burst cheaply.
    const batch = many(MAX_PUSH_SAMPLES, () => sample(1));
    for (let i = 0; i < 20; i++) await s.client.push({ samples: batch });
    // The bucket refills at 20/s while the batches go in: a full batch no longer fits.
    const err = await errorOf(s.client.push({ samples: [...batch.slice(1), sample(2)] }));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.rawMessage).toContain("this host sends more samples than allowed");

    // A Stream is admitted message by message: it runs dry within the refill and ends.
    const msgs = [...many(200, () => sample(1)), sample(3)];
    const body = encodeEnvelopes(...msgs.map((m) => ({ flags: 0, data: toBinary(SampleSchema, m) })));
    const out = await outcomeOf(await postIngest("Stream", s.fleet.agent, s.hostId, body));
    expect(out.code).toBe(Code.ResourceExhausted);

    const after = await fleetState(s.fleet.id, s.fleet.viewer);
    expect(after.hosts[0]?.lastSeq).toBe(1);
    expect(after.raw).toEqual(s.before.raw);
  });

  it("limits per host: another host of the same token still gets through", async () => {
    const s = await seeded();
    const batch = many(MAX_PUSH_SAMPLES, () => sample(1));
    for (let i = 0; i < 20; i++) await s.client.push({ samples: batch });
    const other = await registerHost(s.fleet.agent);
    expect((await other.client.push({ samples: [sample(1)] })).accepted).toBe(1);
  });
});
