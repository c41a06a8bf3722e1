import pkg from "../package.json" with { type: "json" };

/** The agent's version, from its package.json (bundled at build time). */
export const AGENT_VERSION: string = pkg.version;
