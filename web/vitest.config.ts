import preact from "@preact/preset-vite";
import { defineProject } from "vitest/config";

/**
 * Dashboard unit and component tests (Node, a tiny fake DOM; no browser).
 * Run with `npm test -w web`, or list this file in the root config's `projects`.
 */
export default defineProject({
  plugins: [preact()],
  test: {
    name: "web",
    root: import.meta.dirname,
    include: ["test/**/*.test.{ts,tsx}"],
    environment: "node",
  },
});
