export { newUsage, type Usage } from "./usage-counts";

import type { Usage } from "./usage-counts";

/** The part of DO SQLite the fleet's stores use. */
export type Sql = Pick<SqlStorage, "exec">;

/**
 * DO SQLite with metering: every cursor's rows read and written are added
 * to `usage` when `settle()` runs (cursors count reads as they are consumed,
 * and every store consumes its cursors synchronously).
 */
export class MeteredSql implements Sql {
  private open: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];

  constructor(
    private readonly sql: SqlStorage,
    private readonly usage: Usage,
  ) {}

  exec<T extends Record<string, SqlStorageValue>>(
    query: string,
    ...bindings: unknown[]
  ): SqlStorageCursor<T> {
    const cursor = this.sql.exec<T>(query, ...bindings);
    this.open.push(cursor as unknown as SqlStorageCursor<Record<string, SqlStorageValue>>);
    if (this.open.length > 1000) this.settle();
    return cursor;
  }

  /** Adds the counts of every cursor since the last call to `usage`. */
  settle(): void {
    for (const c of this.open) {
      this.usage.doRowsRead += c.rowsRead;
      this.usage.doRowsWritten += c.rowsWritten;
    }
    this.open = [];
  }
}
