import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * Relative module specifiers of one TypeScript source: static imports and
 * re-exports (type-only ones too: a type cycle still ties two modules'
 * designs together), and dynamic `import("...")`.
 */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) if (m[1]?.startsWith(".")) out.push(m[1]);
  return out;
}

function sourcesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourcesUnder(path));
    else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

function resolveModule(from: string, spec: string, known: Set<string>): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const c of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts"), base.replace(/\.js$/, ".ts")]) {
    if (known.has(c)) return c;
  }
  return undefined;
}

/**
 * Every import cycle among the modules under `dir`, each as the list of
 * files (relative to `dir`) around the loop, first file repeated at the end.
 * One cycle is reported per strongly connected group of modules.
 */
export function findImportCycles(dir: string): string[][] {
  const root = resolve(dir);
  const files = sourcesUnder(root);
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  for (const f of files) {
    const targets = importsOf(readFileSync(f, "utf8"))
      .map((s) => resolveModule(f, s, known))
      .filter((t): t is string => t !== undefined);
    edges.set(f, [...new Set(targets)]);
  }
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, "open");
    stack.push(f);
    for (const t of edges.get(f) ?? []) {
      const s = state.get(t);
      if (s === "open") cycles.push([...stack.slice(stack.indexOf(t)), t].map((p) => relative(root, p)));
      else if (s === undefined) visit(t);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of files.sort()) if (!state.has(f)) visit(f);
  return cycles;
}
