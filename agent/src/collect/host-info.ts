import { arch, cpus, hostname, release, totalmem, type } from "node:os";
import { create } from "@bufbuild/protobuf";
import { type HostInfo, HostInfoSchema } from "@fleetwatch/proto/host_pb";
import { AGENT_VERSION } from "../version";
import { cleanName, IS_LINUX, readText } from "./read";
import { si } from "./si";

/** Parses `PRETTY_NAME` (or `NAME VERSION_ID`) from /etc/os-release. */
export function parseOsRelease(text: string): string | undefined {
  const vars = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) vars.set(m[1] as string, (m[2] as string).replace(/^(["'])(.*)\1$/, "$2"));
  }
  const name = vars.get("NAME");
  return vars.get("PRETTY_NAME") || (name ? `${name} ${vars.get("VERSION_ID") ?? ""}`.trim() : undefined);
}

async function osName(): Promise<string> {
  if (IS_LINUX) {
    const text = readText("/etc/os-release") ?? readText("/usr/lib/os-release");
    return (text && parseOsRelease(text)) || `Linux ${release()}`;
  }
  try {
    const o = await (await si()).osInfo();
    return `${o.distro} ${o.release}`.trim() || type();
  } catch {
    return type();
  }
}

/** Static facts about this host for `Hello`. */
export async function collectHostInfo(labels: Record<string, string>, intervalS: number): Promise<HostInfo> {
  const cpuList = cpus();
  const machineId = IS_LINUX
    ? (readText("/etc/machine-id") ?? readText("/var/lib/dbus/machine-id"))
    : undefined;
  return create(HostInfoSchema, {
    hostname: cleanName(hostname().trim(), 253) || "localhost",
    machineId: cleanName(machineId?.trim() ?? ""),
    os: cleanName(await osName()),
    kernel: cleanName(release()),
    arch: arch(),
    cpuModel: cleanName(cpuList[0]?.model.trim() ?? ""),
    cores: cpuList.length,
    memoryBytes: BigInt(totalmem()),
    agentVersion: AGENT_VERSION,
    labels,
    intervalS,
  });
}
