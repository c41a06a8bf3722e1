import { applyD1Migrations, env } from "cloudflare:test";
import { historyDatabases } from "../../worker/src/db/history";

// Setup files run outside per-file storage isolation and may run more than
// once; applyD1Migrations only applies what is missing. Every database gets
// every migration, as `npm run deploy` does.
for (const [name] of historyDatabases(env).all) {
  await applyD1Migrations(env[name as keyof Env] as D1Database, env.TEST_MIGRATIONS);
}
