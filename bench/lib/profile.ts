// V8 CPU profiles of a local hub's Worker isolate (the Worker and its Durable Objects), taken
// over the inspector port `wrangler dev` opens, and their top items by self time.
import { writeFileSync } from "node:fs";

/** A V8 CPU profile (Chrome DevTools Protocol `Profiler.Profile`). */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    hitCount?: number;
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** One function's share of a profile. */
export interface ProfileItem {
  name: string;
  where: string;
  selfMs: number;
  selfPct: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The inspector's WebSocket of the Worker's isolate (the first target `wrangler dev` lists). */
async function target(port: number): Promise<string> {
  for (let i = 0; i < 40; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/json`);
      const list = (await res.json()) as { webSocketDebuggerUrl?: string; title?: string }[];
      const url = list.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
      if (url) return url;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  throw new Error(`no inspector target on port ${port}`);
}

/**
 * Profiles the hub's Worker isolate for `seconds`, sampling every
 * `intervalUs`, and writes the profile to `file` when given (open it in
 * Chrome DevTools or speedscope).
 */
export async function profileHub(
  inspectorPort: number,
  seconds: number,
  file?: string,
  intervalUs = 200,
): Promise<CpuProfile> {
  // wrangler's inspector proxy admits DevTools origins and localhost only.
  const ws = new WebSocket(await target(inspectorPort), {
    headers: { Origin: "http://localhost" },
  } as unknown as string[]);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", () => reject(new Error("inspector socket failed")));
  });
  let next = 1;
  const waiting = new Map<number, (result: unknown) => void>();
  ws.addEventListener("message", (e) => {
    const m = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
    if (m.id !== undefined) waiting.get(m.id)?.(m.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call("Profiler.enable");
    await call("Profiler.setSamplingInterval", { interval: intervalUs });
    await call("Profiler.start");
    await sleep(seconds * 1000);
    const { profile } = (await call("Profiler.stop")) as { profile: CpuProfile };
    if (file) writeFileSync(file, JSON.stringify(profile));
    return profile;
  } finally {
    ws.close();
  }
}

/** Functions by self time (samples in the function itself), largest first; idle and GC kept, labelled. */
export function topSelf(profile: CpuProfile, n: number): ProfileItem[] {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // Each sample's time is the delta to the next one.
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    const dt = (deltas[i + 1] ?? 0) / 1000;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  const total = (profile.endTime - profile.startTime) / 1000;
  const byFunction = new Map<string, ProfileItem>();
  for (const [id, ms] of self) {
    const f = byNode.get(id)?.callFrame;
    if (!f) continue;
    const name = f.functionName || "(anonymous)";
    const file = f.url.replace(/^.*\/(worker|node_modules)\//, "$1/");
    const where = f.url ? `${file}:${f.lineNumber + 1}` : "";
    const key = `${name} ${where}`;
    const item = byFunction.get(key) ?? { name, where, selfMs: 0, selfPct: 0 };
    item.selfMs += ms;
    byFunction.set(key, item);
  }
  return [...byFunction.values()]
    .map((i) => ({ ...i, selfPct: (100 * i.selfMs) / total }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, n);
}
