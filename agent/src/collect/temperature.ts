import type { MessageInitShape } from "@bufbuild/protobuf";
import type { TemperatureSchema } from "@fleetwatch/proto/sample_pb";
import { cleanName, IS_LINUX, listDir, readText, round2 } from "./read";
import { si } from "./si";
import type { Collector } from "./types";

type Temperatures = MessageInitShape<typeof TemperatureSchema>[];

const MAX_SENSORS = 128;

/** Sensors report garbage (0, -127, 65535) when absent or broken; such values are skipped. */
export function plausibleCelsius(c: number): boolean {
  return Number.isFinite(c) && c > -60 && c < 200 && c !== 0;
}

function milli(text: string | undefined): number | undefined {
  const v = Number(text?.trim());
  return text === undefined || !Number.isFinite(v) ? undefined : v / 1000;
}

/** hwmon chips (`/sys/class/hwmon/hwmonN/tempK_input`, labelled by `tempK_label` or the chip name). */
function readHwmon(root: string): Temperatures {
  const out: Temperatures = [];
  for (const chip of listDir(root).sort()) {
    const dir = `${root}/${chip}`;
    const chipName = readText(`${dir}/name`)?.trim() || chip;
    for (const file of listDir(dir).sort()) {
      const m = /^temp(\d+)_input$/.exec(file);
      if (!m) continue;
      const celsius = milli(readText(`${dir}/${file}`));
      if (celsius === undefined || !plausibleCelsius(celsius)) continue;
      const label = readText(`${dir}/temp${m[1]}_label`)?.trim() || `temp${m[1]}`;
      out.push({ sensor: cleanName(`${chipName} ${label}`), celsius: round2(celsius) });
    }
  }
  return out;
}

/** ACPI thermal zones, the fallback on machines without hwmon drivers (many ARM boards). */
function readThermalZones(root: string): Temperatures {
  const out: Temperatures = [];
  for (const zone of listDir(root).sort()) {
    if (!zone.startsWith("thermal_zone")) continue;
    const celsius = milli(readText(`${root}/${zone}/temp`));
    if (celsius === undefined || !plausibleCelsius(celsius)) continue;
    const type = readText(`${root}/${zone}/type`)?.trim() || zone;
    out.push({ sensor: cleanName(`${type} ${zone.slice("thermal_".length)}`), celsius: round2(celsius) });
  }
  return out;
}

/** Reads Linux sensors under a sysfs root (a parameter so tests can point it at a fixture tree). */
export function readLinuxTemperatures(sys = "/sys/class"): Temperatures {
  const hwmon = readHwmon(`${sys}/hwmon`);
  return (hwmon.length > 0 ? hwmon : readThermalZones(`${sys}/thermal`)).slice(0, MAX_SENSORS);
}

async function otherTemperatures(): Promise<Temperatures> {
  try {
    const t = await (await si()).cpuTemperature();
    const out: Temperatures = [];
    if (plausibleCelsius(t.main ?? Number.NaN))
      out.push({ sensor: "cpu", celsius: round2(t.main as number) });
    t.cores.forEach((c, i) => {
      if (plausibleCelsius(c)) out.push({ sensor: `core ${i}`, celsius: round2(c) });
    });
    return out.slice(0, MAX_SENSORS);
  } catch {
    return [];
  }
}

/** Temperatures of every sensor the host exposes; absent on hosts without sensors (most VMs). */
export function temperatureCollector(): Collector {
  return async () => {
    const temperatures = IS_LINUX ? readLinuxTemperatures() : await otherTemperatures();
    return temperatures.length > 0 ? { temperatures } : {};
  };
}
