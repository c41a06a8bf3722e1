/**
 * Just enough DOM for Preact to render into and for tests to read back, so
 * components can be smoke-tested in Node without jsdom. Not a browser: no
 * layout, no CSS; use the e2e tests (Chromium) for those.
 */

type Listener = (e: unknown) => void;

export class FakeNode {
  childNodes: FakeNode[] = [];
  parentNode: FakeNode | null = null;
  ownerDocument: FakeDocument | null = null;
  constructor(readonly nodeType: number) {}
  get firstChild(): FakeNode | null {
    return this.childNodes[0] ?? null;
  }
  get nextSibling(): FakeNode | null {
    if (!this.parentNode) return null;
    const sibs = this.parentNode.childNodes;
    return sibs[sibs.indexOf(this) + 1] ?? null;
  }
  insertBefore(child: FakeNode, ref: FakeNode | null): FakeNode {
    child.parentNode?.removeChild(child);
    const i = ref ? this.childNodes.indexOf(ref) : -1;
    if (i < 0) this.childNodes.push(child);
    else this.childNodes.splice(i, 0, child);
    child.parentNode = this;
    return child;
  }
  appendChild(child: FakeNode): FakeNode {
    return this.insertBefore(child, null);
  }
  removeChild(child: FakeNode): FakeNode {
    const i = this.childNodes.indexOf(child);
    if (i >= 0) this.childNodes.splice(i, 1);
    child.parentNode = null;
    return child;
  }
  remove(): void {
    this.parentNode?.removeChild(this);
  }
  get textContent(): string {
    return this.childNodes.map((c) => c.textContent).join("");
  }
}

export class FakeText extends FakeNode {
  constructor(public data: string) {
    super(3);
  }
  override get textContent(): string {
    return String(this.data);
  }
}

class FakeStyle {
  props: Record<string, string> = {};
  setProperty(k: string, v: string) {
    this.props[k] = v;
  }
}

export class FakeElement extends FakeNode {
  attrs = new Map<string, string>();
  style = new FakeStyle();
  listeners = new Map<string, Listener[]>();
  value = "";
  checked = false;
  open = false;
  // Properties Preact assigns directly when present.
  constructor(
    readonly localName: string,
    readonly namespaceURI: string,
  ) {
    super(1);
  }
  get attributes() {
    return [...this.attrs].map(([name, value]) => ({ name, value }));
  }
  setAttribute(k: string, v: unknown) {
    this.attrs.set(k, String(v));
  }
  getAttribute(k: string): string | null {
    return this.attrs.get(k) ?? null;
  }
  removeAttribute(k: string) {
    this.attrs.delete(k);
  }
  addEventListener(type: string, fn: Listener) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  removeEventListener(type: string, fn: Listener) {
    this.listeners.set(
      type,
      (this.listeners.get(type) ?? []).filter((f) => f !== fn),
    );
  }
  dispatch(type: string, init: Record<string, unknown> = {}) {
    let defaultPrevented = false;
    const e = {
      type,
      target: this,
      currentTarget: this,
      button: 0,
      preventDefault() {
        defaultPrevented = true;
      },
      get defaultPrevented() {
        return defaultPrevented;
      },
      ...init,
    };
    // Listeners run with the element as `this`, as the DOM does (Preact's event proxy relies on it).
    for (const fn of this.listeners.get(type) ?? []) fn.call(this, e);
  }
  getBoundingClientRect() {
    return { top: 0, left: 0, width: 1000, height: 1000, bottom: 1000, right: 1000 };
  }
  get clientWidth() {
    return 800;
  }
  /** All descendants matching a predicate. */
  findAll(pred: (el: FakeElement) => boolean): FakeElement[] {
    const out: FakeElement[] = [];
    const walk = (n: FakeNode) => {
      for (const c of n.childNodes) {
        if (c instanceof FakeElement) {
          if (pred(c)) out.push(c);
          walk(c);
        }
      }
    };
    walk(this);
    return out;
  }
  byTestId(id: string): FakeElement[] {
    return this.findAll((e) => e.getAttribute("data-testid") === id);
  }
  /** Only attribute selectors (`[name="x"]`): all the app asks for. */
  querySelector(selector: string): FakeElement | null {
    const m = /^\[([\w-]+)="([^"]*)"\]$/.exec(selector);
    if (!m) throw new Error(`fake DOM: unsupported selector ${selector}`);
    const [, attr = "", value] = m;
    return this.findAll((e) => e.getAttribute(attr) === value)[0] ?? null;
  }
  focus() {
    if (this.ownerDocument) this.ownerDocument.activeElement = this;
  }
}

export class FakeDocument extends FakeNode {
  body: FakeElement;
  title = "";
  documentElement: FakeElement;
  visibilityState = "visible";
  activeElement: FakeElement | null = null;
  constructor() {
    super(9);
    this.documentElement = this.createElementNS("", "html");
    this.body = this.createElementNS("", "body");
  }
  createElementNS(ns: string, name: string): FakeElement {
    const el = new FakeElement(name, ns);
    el.ownerDocument = this;
    return el;
  }
  createElement(name: string): FakeElement {
    return this.createElementNS("http://www.w3.org/1999/xhtml", name);
  }
  createTextNode(data: string): FakeText {
    const t = new FakeText(data);
    t.ownerDocument = this;
    return t;
  }
  getElementById(): null {
    return null;
  }
  addEventListener() {}
  removeEventListener() {}
}

/** Serialises for assertions: text is escaped the way a browser would show it. */
export function html(n: FakeNode): string {
  if (n instanceof FakeText) return String(n.data).replace(/&/g, "&amp;").replace(/</g, "&lt;");
  if (n instanceof FakeElement) {
    const attrs = [...n.attrs].map(([k, v]) => ` ${k}="${v.replace(/"/g, "&quot;")}"`).join("");
    return `<${n.localName}${attrs}>${n.childNodes.map(html).join("")}</${n.localName}>`;
  }
  return n.childNodes.map(html).join("");
}

/** Installs the globals the app touches. Returns the document. */
export function installDom(url = "http://localhost/"): FakeDocument {
  const doc = new FakeDocument();
  const loc = new URL(url);
  const g = globalThis as Record<string, unknown>;
  g.document = doc;
  g.location = loc;
  g.history = {
    state: null,
    pushState(_s: unknown, _t: string, u: string) {
      const next = new URL(u, loc.href);
      loc.href = next.href;
    },
    replaceState(_s: unknown, _t: string, u: string) {
      const next = new URL(u, loc.href);
      loc.href = next.href;
    },
  };
  g.window = Object.assign(globalThis, {
    addEventListener() {},
    removeEventListener() {},
    scrollTo() {},
    innerHeight: 800,
  });
  g.requestAnimationFrame = (cb: (t: number) => void) =>
    setTimeout(() => cb(Date.now()), 0) as unknown as number;
  g.cancelAnimationFrame = (id: number) => clearTimeout(id);
  return doc;
}
