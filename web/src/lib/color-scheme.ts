import { signal } from "@preact/signals";

const query = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : undefined;

/** The OS colour scheme, live: canvas charts read theme colours once and must redraw on change. */
export const colorScheme = signal<"light" | "dark">(query?.matches ? "dark" : "light");

query?.addEventListener("change", (e) => {
  colorScheme.value = e.matches ? "dark" : "light";
});
