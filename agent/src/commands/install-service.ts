import { chmodSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import type { AgentConfig } from "../config";

/** Where the unit and the token file go. */
export const UNIT_PATH = "/etc/systemd/system/fleetwatch-agent.service";
export const ENV_PATH = "/etc/fleetwatch-agent/agent.env";
const STATE_DIR = "/var/lib/fleetwatch-agent";

/** Quotes a value for a systemd `Environment=` assignment (and escapes `%` specifiers). */
function systemdQuote(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%")}"`;
}

function execArg(s: string): string {
  return /[\s"'\\%]/.test(s) ? systemdQuote(s) : s;
}

/**
 * The systemd unit for this agent. Settings go into `Environment=` lines; the
 * token goes into a root-only EnvironmentFile, because unit files are
 * world-readable. The service runs as a dynamic unprivileged user with a
 * read-only view of the system: reading /proc and statfs need no privileges.
 */
export function renderUnit(cfg: AgentConfig, node: string, script: string): string {
  const labels = Object.entries(cfg.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const env = [
    `FLEETWATCH_HUB=${cfg.hub}`,
    `FLEETWATCH_INTERVAL=${cfg.intervalS}`,
    `FLEETWATCH_SPOOL_DIR=${STATE_DIR}`,
    ...(labels ? [`FLEETWATCH_LABELS=${labels}`] : []),
    ...(cfg.prometheus
      ? [
          `FLEETWATCH_PROMETHEUS_HOST=${cfg.prometheus.host}`,
          `FLEETWATCH_PROMETHEUS_PORT=${cfg.prometheus.port}`,
        ]
      : []),
  ];
  const flags = [cfg.http2 ? "--http2" : "--http1", `--spool-max-mb ${cfg.spoolMaxMb}`];
  return `[Unit]
Description=fleetwatch agent (host metrics to ${cfg.hub})
Documentation=https://www.npmjs.com/package/fleetwatch-agent
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${execArg(node)} ${execArg(script)} ${flags.join(" ")}
${env.map((e) => `Environment=${systemdQuote(e)}`).join("\n")}
EnvironmentFile=${ENV_PATH}
DynamicUser=yes
StateDirectory=fleetwatch-agent
StateDirectoryMode=0700
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=yes
Restart=always
RestartSec=5
KillSignal=SIGTERM
TimeoutStopSec=20

[Install]
WantedBy=multi-user.target
`;
}

/**
 * Writes the unit and the token file (root only), or with `dryRun` prints
 * them (token redacted). Returns the exit code.
 */
export function installService(cfg: AgentConfig, dryRun: boolean): number {
  const node = process.execPath;
  const script = realpathSync(process.argv[1] ?? "fleetwatch-agent");
  const unit = renderUnit(cfg, node, script);
  if (dryRun) {
    process.stdout.write(`# ${UNIT_PATH}\n${unit}\n# ${ENV_PATH} (mode 0600)\nFLEETWATCH_TOKEN=<redacted>\n`);
    return 0;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      "install-service writes to /etc/systemd: run it as root (sudo), or add --dry-run to preview\n",
    );
    return 1;
  }
  mkdirSync("/etc/fleetwatch-agent", { recursive: true, mode: 0o700 });
  writeFileSync(ENV_PATH, `FLEETWATCH_TOKEN=${cfg.token}\n`, { mode: 0o600 });
  chmodSync(ENV_PATH, 0o600);
  writeFileSync(UNIT_PATH, unit, { mode: 0o644 });
  process.stdout.write(
    `wrote ${UNIT_PATH} and ${ENV_PATH}\nstart it with: systemctl daemon-reload && systemctl enable --now fleetwatch-agent\n`,
  );
  return 0;
}
