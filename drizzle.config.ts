import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: [
    "./worker/src/db/schema.ts",
    "./worker/src/db/alerts-schema.ts",
    "./worker/src/db/probes-schema.ts",
  ],
  out: "./migrations",
});
