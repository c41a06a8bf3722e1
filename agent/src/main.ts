import { runDoctor } from "./commands/doctor";
import { installService } from "./commands/install-service";
import { runOnce } from "./commands/once";
import { runAgent } from "./commands/run";
import { ConfigError, INTERVAL_RANGE, loadConfig, requireHub } from "./config";
import { SpoolLockedError } from "./spool/lock";
import { AGENT_VERSION } from "./version";

const HELP = `fleetwatch-agent ${AGENT_VERSION}: streams this host's metrics to a fleetwatch hub

Usage:
  fleetwatch-agent [options]                 run the agent (until SIGTERM/SIGINT)
  fleetwatch-agent --once [--json]           print one sample and exit (no hub needed)
  fleetwatch-agent doctor [options]          check collectors, spool, hub and token
  fleetwatch-agent install-service [--dry-run] [options]
                                             write a systemd unit with the given settings

Options (flag > environment > config file > default):
  --hub URL            hub base URL                       FLEETWATCH_HUB
  --token T            agent token                        FLEETWATCH_TOKEN
  --interval S         seconds between samples, ${INTERVAL_RANGE.min}..${INTERVAL_RANGE.max} (default ${INTERVAL_RANGE.default})   FLEETWATCH_INTERVAL
  --label k=v          host label, repeatable             FLEETWATCH_LABELS=k=v,k2=v2
  --http2 | --http1    HTTP version (default: 2 for https, 1.1 for http)
  --spool-dir DIR      unacknowledged samples on disk     FLEETWATCH_SPOOL_DIR
  --spool-max-mb N     spool size limit (default 100); oldest samples dropped beyond
  --prometheus-port P  also serve the latest sample at http://HOST:P/metrics   FLEETWATCH_PROMETHEUS_PORT
  --prometheus-host H  address for --prometheus-port (default 127.0.0.1)       FLEETWATCH_PROMETHEUS_HOST
  --all-interfaces     also send virtual interfaces that never carried traffic
                       (ifb*, veth*, an idle docker0: left out by default)      FLEETWATCH_ALL_INTERFACES=1
  --container-socket P Docker/Podman Engine API socket, or none (default: the first of
                       /var/run/docker.sock, $XDG_RUNTIME_DIR/docker.sock,
                       /run/podman/podman.sock, $XDG_RUNTIME_DIR/podman/podman.sock)   FLEETWATCH_CONTAINER_SOCKET
  --tls-check name=host:port[,servername]
                       check that TLS certificate every 5 minutes (expiry, chain,
                       hostname), repeatable, at most 20                FLEETWATCH_TLS_CHECKS (space-separated)
  --config FILE        JSON file: {"hub","token","interval","labels":{},"http2","spoolDir","spoolMaxMb",
                       "retryMaxS","prometheusPort","prometheusHost","allInterfaces",
                       "containerSocket","tlsChecks":["name=host:port"]}
  (environment only)   reconnect backoff cap in seconds (default 60)   FLEETWATCH_RETRY_MAX_S
  -h, --help           this help
  -v, --version        print the version
`;

async function main(argv: string[]): Promise<number> {
  const { command, config } = loadConfig(argv);
  switch (command.kind) {
    case "help":
      process.stdout.write(HELP);
      return 0;
    case "version":
      process.stdout.write(`${AGENT_VERSION}\n`);
      return 0;
    case "once":
      return runOnce(command.json, config.containerSockets, config.tlsChecks);
    case "doctor":
      requireHub(config);
      return runDoctor(config);
    case "install-service":
      requireHub(config);
      return installService(config, command.dryRun);
    case "run":
      requireHub(config);
      return runAgent(config);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof ConfigError || e instanceof SpoolLockedError) {
      process.stderr.write(`fleetwatch-agent: ${e.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`fleetwatch-agent: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
