/** One sample line of the Prometheus text format. */
export interface ExpositionSample {
  labels: Record<string, string>;
  value: number;
}

/** One metric family: its HELP and TYPE lines and its samples. */
export interface ExpositionFamily {
  help: string;
  type: string;
  samples: ExpositionSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/**
 * Parses the text exposition format 0.0.4 strictly enough to catch what
 * Prometheus would reject: a sample before its family's HELP and TYPE, a
 * malformed label set, an unescaped quote, a value that is no number.
 * Label values come back unescaped.
 */
export function parseExposition(text: string): Map<string, ExpositionFamily> {
  const families = new Map<string, ExpositionFamily>();
  const lines = text.split("\n");
  if (lines.pop() !== "") throw new Error("the exposition must end with a newline");
  for (const line of lines) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      const fam = families.get(name) ?? { help: "", type: "", samples: [] };
      if (kind === "HELP") fam.help = rest;
      else fam.type = rest;
      families.set(name, fam);
      continue;
    }
    const name = NAME.exec(line)?.[0];
    if (!name) throw new Error(`not a sample line: ${line}`);
    const fam = families.get(name);
    if (!fam?.help || !fam.type) throw new Error(`sample before the HELP and TYPE of ${name}: ${line}`);
    let rest = line.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith("{")) {
      rest = rest.slice(1);
      while (!rest.startsWith("}")) {
        const label = LABEL_NAME.exec(rest)?.[0];
        if (!label || rest[label.length] !== "=" || rest[label.length + 1] !== '"') {
          throw new Error(`bad label set: ${line}`);
        }
        rest = rest.slice(label.length + 2);
        let value = "";
        for (;;) {
          const c = rest[0];
          if (c === undefined) throw new Error(`unterminated label value: ${line}`);
          rest = rest.slice(1);
          if (c === '"') break;
          if (c !== "\\") {
            value += c;
            continue;
          }
          const escaped = rest[0];
          rest = rest.slice(1);
          if (escaped === "n") value += "\n";
          else if (escaped === "\\" || escaped === '"') value += escaped;
          else throw new Error(`bad escape \\${escaped}: ${line}`);
        }
        labels[label] = value;
        if (rest.startsWith(",")) rest = rest.slice(1);
        else if (!rest.startsWith("}")) throw new Error(`bad label set: ${line}`);
      }
      rest = rest.slice(1);
    }
    const value = /^ (\S+)$/.exec(rest)?.[1];
    if (value === undefined || Number.isNaN(Number(value))) throw new Error(`bad value: ${line}`);
    fam.samples.push({ labels, value: Number(value) });
  }
  return families;
}
