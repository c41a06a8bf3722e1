/**
 * Prints one status line to stderr. The agent's only output channel while
 * running: one line per event, readable in a terminal and in journald.
 */
export function status(line: string): void {
  process.stderr.write(`${line}\n`);
}
