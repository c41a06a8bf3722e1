import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

/** A Chromium that needs no apt step: the headless shell shipped inside `@sparticuz/chromium`. */
export interface BundledChromium {
  executablePath: string;
  /** Environment for the browser process: its fonts (see `fontsConf`) and locale. */
  env: Record<string, string>;
}

const ENTRY = createRequire(import.meta.url).resolve("@sparticuz/chromium");
const VERSION = (
  JSON.parse(readFileSync(join(dirname(ENTRY), "..", "package.json"), "utf8")) as { version: string }
).version;

/**
 * The system's fonts when it has any (Debian's DejaVu here, so pages render as
 * in Debian's chromium), then the Open Sans the package ships: text never
 * renders without a font on a machine with no fonts installed.
 */
function fontsConf(dir: string): string {
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
    "<fontconfig>",
    '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
    `  <dir>${join(dir, "fonts", "fonts")}</dir>`,
    `  <cachedir>${join(dir, "fonts-cache")}</cachedir>`,
    "</fontconfig>",
    "",
  ].join("\n");
}

function inDir(dir: string): BundledChromium {
  return {
    executablePath: join(dir, "chromium"),
    env: {
      FONTCONFIG_FILE: join(dir, "fonts.conf"),
      // Under LANG=C.UTF-8 (this machine kind, CI) this headless shell reports
      // navigator.language "en-US@posix", which Intl rejects: uPlot's module
      // (`new Intl.NumberFormat(navigator.language)`) then fails to load.
      LANG: "en_US.UTF-8",
      LC_ALL: "en_US.UTF-8",
    },
  };
}

/**
 * Unpacks the package's Chromium (~2 s, once per version and machine) into
 * `<tmp>/fleetwatch-chromium-<version>` and returns it.
 *
 * The package itself unpacks to fixed names in the temp directory and takes an
 * existing file there as complete, so a run killed mid-unpack, or two runs at
 * once, would leave a truncated browser for every later run. Here it unpacks in
 * a child process whose `TMPDIR` is a fresh directory, which is then renamed
 * into place: the directory exists only once it is whole, and a run that loses
 * the race to rename uses the winner's copy.
 */
export async function bundledChromium(): Promise<BundledChromium> {
  const dir = join(tmpdir(), `fleetwatch-chromium-${VERSION}`);
  if (existsSync(join(dir, "fonts.conf"))) return inDir(dir);
  const staging = await mkdtemp(`${dir}.partial-`);
  try {
    await promisify(execFile)(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        "const { default: c } = await import(process.argv[1]); await c.executablePath();",
        ENTRY,
      ],
      { env: { ...process.env, TMPDIR: staging }, timeout: 60_000 },
    );
    if (!existsSync(join(staging, "chromium")))
      throw new Error(`@sparticuz/chromium left no binary in ${staging}`);
    // Written last: its presence is what marks a directory as complete.
    await writeFile(join(staging, "fonts.conf"), fontsConf(dir));
    await rename(staging, dir).catch((e: unknown) => {
      // Another run renamed its copy first (the target exists and is not empty).
      if (!existsSync(join(dir, "fonts.conf"))) throw e;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return inDir(dir);
}
