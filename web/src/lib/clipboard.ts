/** How a copy went: on the clipboard, or only selected for the user to copy by hand. */
export type CopyOutcome = "copied" | "selected";

/** Selects the whole text of `el` so Ctrl+C / Cmd+C (or a long press) copies it. */
export function selectText(el: Element): void {
  const sel = typeof getSelection === "function" ? getSelection() : null;
  if (!sel) return;
  sel.removeAllRanges();
  const range = document.createRange();
  range.selectNodeContents(el);
  sel.addRange(range);
}

/**
 * Puts `text` on the clipboard. `navigator.clipboard` exists only in secure
 * contexts (https, localhost) and may be refused (permissions, an embedded
 * page); then the text in `fallback` is selected and copied the legacy
 * way, and when that fails too it stays selected for the user to copy, and
 * the caller says so.
 */
export async function copyText(text: string, fallback: Element | null): Promise<CopyOutcome> {
  try {
    if (typeof navigator !== "undefined" && navigator.clipboard) {
      await navigator.clipboard.writeText(text);
      return "copied";
    }
  } catch {
    // Refused: fall through to selecting the text.
  }
  if (!fallback) return "selected";
  try {
    selectText(fallback);
    // The legacy command still copies a selection on plain-http pages, where
    // `navigator.clipboard` does not exist (a hub on a LAN address).
    if (document.execCommand("copy")) return "copied";
  } catch {
    // No selection API or command (not a browser): the text stays as it is.
  }
  return "selected";
}
