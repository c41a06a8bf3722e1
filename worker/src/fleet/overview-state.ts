import {
  changedCodes,
  type LiveEntry,
  type OverviewInfo,
  overviewInfo,
  type SummaryChange,
  type SummaryCodes,
  summaryCodes,
} from "../metrics/summary";
import type { HostInfoView, HostView } from "../metrics/types";

/** What every overview socket holds of a host, as last sent. */
interface Sent {
  /** The host's stored info it was taken from: the same object means the same identity. */
  src: HostInfoView;
  info: OverviewInfo;
  /** `info` as JSON, computed when a new info object must be compared. */
  infoJson: string | undefined;
  codes: SummaryCodes;
}

/**
 * The overview as every dashboard on the overview protocol holds it: a small
 * index per host (so summaries frames need not repeat host ids) and the codes
 * last sent. Indexes belong to a generation, new with each instance of the
 * object: a dashboard that sees another generation asks for a snapshot.
 *
 * Invariant: `sent` is exactly what a socket holds that received every frame
 * since its snapshot. A snapshot therefore gives sent codes where there are
 * any, and for a host never sent, fresh codes plus a mark so the next frame
 * announces it to every socket.
 */
export class OverviewState {
  readonly gen: number;
  private nextIndex = 0;
  private readonly indexes = new Map<string, number>();
  private readonly sent = new Map<string, Sent>();

  constructor(gen = 1 + Math.floor(Math.random() * 0x7fff_fffe)) {
    this.gen = gen;
  }

  private indexOf(id: string): number {
    let i = this.indexes.get(id);
    if (i === undefined) {
      i = this.nextIndex++;
      this.indexes.set(id, i);
    }
    return i;
  }

  /** Every host for a snapshot, and the ids never sent (to be announced by the next frame). */
  snapshot(views: readonly HostView[]): { entries: LiveEntry[]; unsent: string[] } {
    const entries: LiveEntry[] = [];
    const unsent: string[] = [];
    for (const v of views) {
      const s = this.sent.get(v.id);
      if (!s) unsent.push(v.id);
      entries.push({
        i: this.indexOf(v.id),
        id: v.id,
        info: s?.info ?? overviewInfo(v.info),
        c: s?.codes ?? summaryCodes(v),
      });
    }
    return { entries, unsent };
  }

  /**
   * What changed since the last frame among `views` (hosts marked changed):
   * hosts new to the overview or with new info as whole entries, the rest as
   * the codes that changed. Hosts whose shown figures did not change are left out.
   */
  diff(views: readonly HostView[]): { entries: LiveEntry[]; changes: SummaryChange[] } {
    const entries: LiveEntry[] = [];
    const changes: SummaryChange[] = [];
    for (const v of views) {
      const codes = summaryCodes(v);
      const s = this.sent.get(v.id);
      const i = this.indexOf(v.id);
      if (!s || !sameInfo(s, v.info)) {
        const info = overviewInfo(v.info);
        this.sent.set(v.id, { src: v.info, info, infoJson: undefined, codes });
        entries.push({ i, id: v.id, info, c: codes });
        continue;
      }
      const changed = changedCodes(s.codes, codes);
      let any = false;
      for (const f in changed) {
        any = true;
        (s.codes as Record<string, number>)[f] = codes[f as keyof SummaryCodes];
      }
      if (any) changes.push({ index: i, codes: changed });
    }
    return { entries, changes };
  }

  /** A host left the fleet: its index is never reused in this generation. */
  forget(id: string): void {
    this.sent.delete(id);
  }

  /** No overview socket is open: nothing is held anywhere, so nothing need be compared. */
  clear(): void {
    this.sent.clear();
  }
}

function sameInfo(s: Sent, info: HostInfoView): boolean {
  if (s.src === info) return true;
  s.infoJson ??= JSON.stringify(s.info);
  const same = s.infoJson === JSON.stringify(overviewInfo(info));
  // Keep the newer object so the next comparison is by reference.
  if (same) s.src = info;
  return same;
}
