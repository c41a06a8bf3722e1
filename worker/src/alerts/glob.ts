/**
 * Glob matching for rule and silence matchers: `*` matches any run of
 * characters, `?` one character, everything else itself.
 */
export function globToRegExp(glob: string, caseInsensitive = false): RegExp {
  let re = "";
  for (const ch of glob) {
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else re += ch.replace(/[.+^${}()|[\]\\/-]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, caseInsensitive ? "is" : "s");
}

const cache = new Map<string, RegExp>();

/** Whether `value` matches `glob`. Hostnames compare case-insensitively (DNS does). */
export function globMatch(glob: string, value: string, caseInsensitive = false): boolean {
  if (glob === "*") return true;
  const key = `${caseInsensitive ? "i" : "s"}:${glob}`;
  let re = cache.get(key);
  if (!re) {
    if (cache.size > 1000) cache.clear();
    re = globToRegExp(glob, caseInsensitive);
    cache.set(key, re);
  }
  return re.test(value);
}

/** Every `label: glob` pair matches a label the host has (a missing label never matches). */
export function labelsMatch(matchers: Record<string, string>, labels: Record<string, string>): boolean {
  for (const [key, glob] of Object.entries(matchers)) {
    const value = Object.hasOwn(labels, key) ? labels[key] : undefined;
    if (value === undefined || !globMatch(glob, value)) return false;
  }
  return true;
}

/** A host matches a rule or silence when its hostname and labels all match. */
export function hostMatches(
  hostGlob: string,
  labelGlobs: Record<string, string>,
  host: { hostname: string; labels: Record<string, string> },
): boolean {
  return globMatch(hostGlob, host.hostname, true) && labelsMatch(labelGlobs, host.labels);
}
