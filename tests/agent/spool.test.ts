import { appendFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SpoolLockedError } from "../../agent/src/spool/lock";
import { Spool } from "../../agent/src/spool/spool";
import { tempDir } from "./helpers/agent-process";

function open(dir: string, maxBytes = 1024 * 1024, warnings: string[] = []): Spool {
  return Spool.open({ dir, maxBytes, warn: (l) => warnings.push(l), segmentBytes: 4096 });
}

function fill(spool: Spool, n: number): bigint[] {
  return Array.from(
    { length: n },
    (_, i) => spool.append({ timeMs: BigInt(1_700_000_000_000 + i), uptimeS: i }).seq,
  );
}

describe("Spool", () => {
  it("assigns consecutive seqs and reads back unacknowledged samples in order", () => {
    const spool = open(tempDir());
    const seqs = fill(spool, 5);
    expect(seqs.map((s) => s - (seqs[0] as bigint))).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(spool.pending).toBe(5);
    expect(spool.read(seqs[1] as bigint, 2).map((s) => s.seq)).toEqual([seqs[2], seqs[3]]);
    spool.close();
  });

  it("starts a fresh spool from the clock so seqs never restart at 1", () => {
    const spool = open(tempDir());
    expect(spool.lastSeq).toBeGreaterThan(BigInt(Date.now() - 60_000));
    spool.close();
  });

  it("forgets acknowledged samples and deletes wholly acknowledged segments", () => {
    const dir = tempDir();
    const spool = open(dir);
    const seqs = fill(spool, 200);
    const segments = () => readdirSync(dir).filter((n) => n.endsWith(".seg")).length;
    const before = segments();
    expect(before).toBeGreaterThan(1);
    spool.ack(seqs[150] as bigint);
    expect(spool.pending).toBe(49);
    expect(segments()).toBeLessThan(before);
    expect(spool.read(0n, 1000).map((s) => s.seq)).toEqual(seqs.slice(151));
    expect(readFileSync(join(dir, "acked"), "utf8").trim()).toBe(String(seqs[150]));
    spool.ack(seqs[199] as bigint);
    expect(segments()).toBe(0);
    spool.close();
  });

  it("drops the oldest samples with a warning when over its size limit", () => {
    const warnings: string[] = [];
    const spool = open(tempDir(), 16 * 1024, warnings);
    const seqs = fill(spool, 2000);
    expect(spool.bytes).toBeLessThanOrEqual(16 * 1024 + 4096);
    expect(warnings[0]).toMatch(/spool full .*dropped \d+ oldest samples .*--spool-max-mb/);
    const left = spool.read(0n, 10_000).map((s) => s.seq);
    expect(left.at(-1)).toBe(seqs.at(-1));
    expect(left[0]).toBeGreaterThan(seqs[0] as bigint);
    expect(left).toEqual(seqs.slice(seqs.length - left.length));
    spool.close();
  });

  it("survives a crash: a reopened spool holds every unacknowledged sample and continues the seqs", () => {
    const dir = tempDir();
    const first = open(dir);
    const seqs = fill(first, 50);
    first.ack(seqs[9] as bigint);
    // No close(): the process "dies" with the lock held by a pid that is gone.
    writeFileSync(join(dir, "agent.pid"), "999999999\n");
    const again = open(dir);
    expect(again.read(0n, 1000).map((s) => s.seq)).toEqual(seqs.slice(10));
    expect(again.read(0n, 1)[0]?.uptimeS).toBe(10);
    expect(again.append({ timeMs: 1n }).seq).toBe((seqs.at(-1) as bigint) + 1n);
    again.close();
  });

  it("cuts a torn record left at the end of a segment and keeps the intact ones", () => {
    const dir = tempDir();
    const warnings: string[] = [];
    const first = open(dir);
    const seqs = fill(first, 3);
    first.close();
    const seg = readdirSync(dir).find((n) => n.endsWith(".seg")) as string;
    appendFileSync(join(dir, seg), Uint8Array.from([40, 0, 0, 0, 1, 2]));
    const again = open(dir, 1024 * 1024, warnings);
    expect(warnings[0]).toMatch(/torn record/);
    expect(again.read(0n, 10).map((s) => s.seq)).toEqual(seqs);
    expect(again.append({ timeMs: 1n }).seq).toBe((seqs[2] as bigint) + 1n);
    expect(again.read(0n, 10)).toHaveLength(4);
    again.close();
  });

  it("refuses a spool another live agent holds", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "agent.pid"), `${process.ppid}\n`);
    expect(() => open(dir)).toThrow(SpoolLockedError);
  });
});
