import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: ["./worker/src/db/schema.ts", "./worker/src/db/alerts-schema.ts"],
  out: "./migrations",
});
