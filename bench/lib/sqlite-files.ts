// The SQLite files a local hub (wrangler dev --persist-to) keeps its Durable Objects and D1 databases in.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** SQLite files under a folder (the database, its WAL and shared memory). */
export function sqliteFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.sqlite(-wal|-shm)?$/.test(name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** The largest database file of a folder: the fleet object's, or the D1 database. */
export function mainDatabase(dir: string): string {
  const dbs = sqliteFiles(dir).filter((f) => f.endsWith(".sqlite"));
  const [largest] = dbs.sort((a, b) => statSync(b).size - statSync(a).size);
  if (!largest) throw new Error(`no SQLite database under ${dir}`);
  return largest;
}
