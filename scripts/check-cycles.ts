import { findImportCycles } from "./lib/import-cycles.ts";

/** `npm run lint` step: fails when modules under the given folders import each other in a loop. */
const dirs = process.argv.slice(2);
let found = 0;
for (const dir of dirs.length > 0 ? dirs : ["worker/src"]) {
  for (const cycle of findImportCycles(dir)) {
    found++;
    console.error(`import cycle in ${dir}: ${cycle.join(" -> ")}`);
  }
}
if (found > 0) {
  console.error(`${found} import cycle(s): move the shared part into a module both sides import.`);
  process.exit(1);
}
