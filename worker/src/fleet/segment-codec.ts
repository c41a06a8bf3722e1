import { encodeTable, type Table } from "../codec/columns";

/** One raw sample: seq, time and flat series values. */
export interface RawPoint {
  seq: number;
  t: number;
  v: Record<string, number>;
}

/**
 * The column of a binary segment that holds each sample's seq. Series keys
 * never hold control characters (validation refuses them), so it cannot
 * collide with one.
 */
export const SEQ_COLUMN = "\u0000seq";

/** Encodes samples `[seq, t, ...values]` (in `keys` order) as one binary table. */
export function encodeSegment(keys: readonly string[], rows: readonly (number | null)[][]): Uint8Array {
  const cols = new Map<string, (number | null)[]>([[SEQ_COLUMN, rows.map((r) => r[0] as number)]]);
  keys.forEach((k, i) => {
    cols.set(
      k,
      rows.map((r) => r[i + 2] ?? null),
    );
  });
  return encodeTable({ t: rows.map((r) => r[1] as number), cols });
}

/** A decoded binary segment as points in [from, to]; with `only`, just that series. */
export function unpackTable(table: Table, from: number, to: number, out: RawPoint[], only?: string): void {
  const seqs = table.cols.get(SEQ_COLUMN);
  if (!seqs) throw new RangeError("segment has no seq column");
  const series = [...table.cols].filter(([k]) => k !== SEQ_COLUMN);
  for (let i = 0; i < table.t.length; i++) {
    const t = table.t[i] as number;
    if (t < from || t > to) continue;
    const v: Record<string, number> = {};
    let any = false;
    for (const [k, values] of series) {
      const x = values[i];
      if (x === null || x === undefined) continue;
      v[k] = x;
      any = true;
    }
    if (only !== undefined && !any) continue;
    out.push({ seq: seqs[i] as number, t, v });
  }
}
