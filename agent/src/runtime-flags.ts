/**
 * V8 settings the agent runs with. It runs a few milliseconds of JavaScript
 * every few seconds, so Node's defaults, sized for servers, cost memory for
 * nothing: no JIT compilers (their machine code and working memory are about
 * 7 MB of RSS; interpreted, the agent's CPU use stays where it was, measured
 * with bench/agent), and semi-spaces of 1 MB where V8 lets them grow to 8 MB
 * before collecting. `--no-expose-wasm` only silences the warning that
 * `--jitless` turns WebAssembly off, which the agent does not use.
 */
export const RUNTIME_FLAGS = ["--max-semi-space-size=1", "--jitless", "--no-expose-wasm"];

/** `--jitless`, `--no-jitless` and `--max_semi_space_size=2` name the same settings as the flags above. */
function flagName(flag: string): string {
  return (flag.split("=")[0] as string).replace(/^--(no-)?/, "").replaceAll("_", "-");
}

/** The {@link RUNTIME_FLAGS} whose setting neither the command line nor NODE_OPTIONS chose. */
export function missingRuntimeFlags(execArgv: readonly string[], nodeOptions = ""): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map(flagName));
  return RUNTIME_FLAGS.filter((f) => !given.has(flagName(f)));
}

/**
 * Replaces this process (same pid, through execve) with one running this
 * script under the missing {@link RUNTIME_FLAGS}: `node cli.js`, npm's bin
 * link and a systemd unit all start the agent without them. Returns false when
 * there is nothing to add, or when the platform cannot exec (Windows, Node
 * before 22.15): the agent then runs with Node's defaults.
 */
export function relaunchWithRuntimeFlags(): boolean {
  const missing = missingRuntimeFlags(process.execArgv, process.env.NODE_OPTIONS);
  const script = process.argv[1];
  if (missing.length === 0 || !script || !process.execve) return false;
  try {
    return process.execve(
      process.execPath,
      [process.execPath, ...process.execArgv, ...missing, script, ...process.argv.slice(2)],
      process.env,
    );
  } catch {
    return false;
  }
}
