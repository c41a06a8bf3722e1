/**
 * The Fetch standard's `Headers`, for the agent's bundle: `build.ts` injects
 * it wherever bundled code (connect-es) names `Headers`. Node's own class
 * lives in its bundled undici, and the first touch of it loads all of undici,
 * about 10 MB of RSS (a fifth of the agent's memory budget) for a map of a
 * dozen strings. This one follows the standard where connect-es can tell:
 * case-insensitive names, validated names and values, `append` joining with
 * ", ", iteration sorted by lowercased name with each set-cookie on its own.
 */
export class Headers implements globalThis.Headers {
  #values = new Map<string, string[]>();

  constructor(init?: HeadersInit) {
    if (init === undefined || init === null) return;
    if (typeof init !== "object") throw new TypeError("Headers: init must be an object or a list of pairs");
    if (Symbol.iterator in init) {
      for (const pair of init as Iterable<Iterable<string>>) {
        const [name, value, ...rest] = [...pair];
        if (name === undefined || value === undefined || rest.length > 0) {
          throw new TypeError("Headers: each header must be a [name, value] pair");
        }
        this.append(name, value);
      }
    } else {
      for (const [name, value] of Object.entries(init)) this.append(name, String(value));
    }
  }

  append(name: string, value: string): void {
    const key = checkName(name);
    const v = checkValue(name, value);
    const list = this.#values.get(key);
    if (list) list.push(v);
    else this.#values.set(key, [v]);
  }

  delete(name: string): void {
    this.#values.delete(checkName(name));
  }

  get(name: string): string | null {
    return this.#values.get(checkName(name))?.join(", ") ?? null;
  }

  getSetCookie(): string[] {
    return [...(this.#values.get("set-cookie") ?? [])];
  }

  has(name: string): boolean {
    return this.#values.has(checkName(name));
  }

  set(name: string, value: string): void {
    this.#values.set(checkName(name), [checkValue(name, value)]);
  }

  forEach(
    callback: (value: string, key: string, parent: globalThis.Headers) => void,
    thisArg?: unknown,
  ): void {
    for (const [key, value] of this) callback.call(thisArg, value, key, this);
  }

  *entries(): HeadersIterator<[string, string]> {
    for (const key of [...this.#values.keys()].sort()) {
      const list = this.#values.get(key) as string[];
      if (key === "set-cookie") for (const v of list) yield [key, v];
      else yield [key, list.join(", ")];
    }
  }

  *keys(): HeadersIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): HeadersIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): HeadersIterator<[string, string]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return "Headers";
  }
}

type HeadersInit = ConstructorParameters<typeof globalThis.Headers>[0];
type HeadersIterator<T> = Generator<T, undefined, unknown>;

/** RFC 9110 token characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Leading and trailing HTTP whitespace, which the standard strips from values. */
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const FORBIDDEN_IN_VALUE = /[\0\r\n]/;

function checkName(name: string): string {
  if (!TOKEN.test(name)) throw new TypeError(`Headers: "${name}" is an invalid header name`);
  return name.toLowerCase();
}

function checkValue(name: string, value: string): string {
  const v = String(value).replace(EDGE_WHITESPACE, "");
  if (FORBIDDEN_IN_VALUE.test(v)) throw new TypeError(`Headers: invalid value for header "${name}"`);
  return v;
}
