import { relaunchWithRuntimeFlags } from "./runtime-flags";

// The rest of the agent is loaded only once the process runs with the flags
// it needs, so a relaunch costs one Node start-up and nothing more.
// dist/cli.js is CommonJS and main.js its sibling bundle (see build.ts); a
// static graph there lets the bundler drop what the agent never uses.
if (!relaunchWithRuntimeFlags()) require("./main.js");
