import type * as SystemInformation from "systeminformation";

let loaded: Promise<typeof SystemInformation> | undefined;

/**
 * systeminformation, loaded on first use: Linux never needs it (collectors
 * read /proc directly), so it costs nothing there.
 */
export function si(): Promise<typeof SystemInformation> {
  loaded ??= import("systeminformation").then(
    (m) => (m as unknown as { default?: typeof SystemInformation }).default ?? m,
  );
  return loaded;
}
