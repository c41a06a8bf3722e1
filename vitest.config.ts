import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const migrations = await readD1Migrations(new URL("./migrations", import.meta.url).pathname);

export default defineConfig({
  test: {
    projects: [
      "web/vitest.config.ts",
      {
        // Density tests build hours of realistic corpus data: seconds of CPU, more on a loaded CI machine.
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "agent",
          include: ["tests/agent/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // Two history databases beside DB (tests/worker/placement.test.ts), closed to
              // new placements so the other tests find every fleet's rollups in DB.
              d1Databases: { HISTORY_1: "history-1-test", HISTORY_2: "history-2-test" },
              bindings: { TEST_MIGRATIONS: migrations, HISTORY_OPEN: "DB" },
            },
          }),
        ],
        test: {
          name: "worker",
          include: ["tests/worker/**/*.test.ts", "tests/security/**/*.test.ts"],
          setupFiles: ["tests/worker/apply-migrations.ts"],
          // Loopback HTTP servers the probe tests check (workerd's fetch and connect() reach them).
          globalSetup: ["tests/worker/probe-targets.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      // Real peers that need packages beyond Node (Alertmanager from apt): `npm run test:peers`
      // only, so `npm test` keeps running on a machine with Node alone.
      ...(process.env.FLEETWATCH_PEERS
        ? [
            {
              test: {
                name: "peers",
                include: ["tests/peers/**/*.test.ts"],
                environment: "node",
                testTimeout: 120_000,
                hookTimeout: 120_000,
                fileParallelism: false,
              },
            },
          ]
        : []),
    ],
  },
});
