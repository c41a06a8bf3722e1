import { relaunchWithRuntimeFlags } from "./runtime-flags";

// The rest of the agent is loaded only once the process runs with the flags
// it needs, so a relaunch costs one Node start-up and nothing more.
if (!relaunchWithRuntimeFlags()) void import("./main");
