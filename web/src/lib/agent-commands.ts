/**
 * The shell commands that put the agent on a host and point it at this hub,
 * shown by "Add a host" with a copy button each. Pure, so the exact text is
 * unit-tested.
 */

/** Characters a POSIX shell reads as themselves in a word: no quoting, globbing or expansion. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One shell word holding `value` exactly. A plain value (every origin and
 * token the hub issues) is inserted verbatim, so the command reads as the
 * docs write it; anything else is single-quoted (`'` becomes `'\''`), so a
 * pasted command can never run more than the agent.
 */
export function shellWord(value: string): string {
  if (PLAIN_WORD.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A command to copy, with what it is for. */
export interface AgentCommand {
  id: "install" | "run" | "service" | "start";
  label: string;
  command: string;
}

/** The npm package of the agent (agent/package.json). */
export const AGENT_PACKAGE = "fleetwatch-agent";

/** Installs the agent: needs no token, so it is shown before one exists. */
export const INSTALL_COMMAND: AgentCommand = {
  id: "install",
  label: "Install the agent (Node.js 22 or later)",
  command: `npm i -g ${AGENT_PACKAGE}`,
};

/**
 * Every command for a hub at `origin` (the dashboard's own origin: agents
 * and dashboards share it) and an agent token `secret`: install, run in the
 * foreground, or install a systemd service and start it. `install-service`
 * only writes the unit (and a root-only token file), so starting it is a
 * command of its own.
 */
export function agentCommands(origin: string, secret: string): AgentCommand[] {
  const hub = shellWord(origin);
  const token = shellWord(secret);
  return [
    INSTALL_COMMAND,
    {
      id: "run",
      label: "Run it in the foreground",
      command: `FLEETWATCH_HUB=${hub} FLEETWATCH_TOKEN=${token} ${AGENT_PACKAGE}`,
    },
    {
      id: "service",
      label: "Or install it as a systemd service",
      command: `sudo ${AGENT_PACKAGE} install-service --hub ${hub} --token ${token}`,
    },
    {
      id: "start",
      label: "and start the service",
      command: `sudo systemctl daemon-reload && sudo systemctl enable --now ${AGENT_PACKAGE}`,
    },
  ];
}
