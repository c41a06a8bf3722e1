import { type AlertBoard, type AlertBoardUpdate, type AlertsFrame, mergeBoard } from "../alerts/live-board";
import type { Sql } from "./usage";

/**
 * The fleet's open alerts as its dashboards see them live, kept in DO
 * SQLite so a dashboard that connects after an eviction gets them at once.
 * Written by each evaluation (the cron's, and the object's own host-down
 * check); D1 stays the record of alerts.
 */
export class AlertBoardStore {
  private board: AlertBoard = { evaluatedAt: null, alerts: [] };
  private readonly sql: Sql;

  // A plain field, not a parameter property: benches load fleet modules with Node's type stripping.
  constructor(sql: Sql) {
    this.sql = sql;
  }

  /** Creates the table and reads the board (called once, at start-up). */
  load(): void {
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS alert_board (id INTEGER PRIMARY KEY CHECK (id = 1), board TEXT NOT NULL)",
    );
    const [row] = this.sql.exec<{ board: string }>("SELECT board FROM alert_board WHERE id = 1").toArray();
    if (!row) return;
    try {
      const b = JSON.parse(row.board) as AlertBoard;
      if (Array.isArray(b.alerts)) this.board = b;
    } catch (e) {
      // Shown state only: the next evaluation writes it again.
      console.error("alert_board: unreadable, starting empty:", e);
    }
  }

  /** Applies an evaluation's update and stores it; returns the frame for the dashboards. */
  apply(u: AlertBoardUpdate): string {
    this.board = mergeBoard(this.board, u);
    this.sql.exec(
      "INSERT INTO alert_board (id, board) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET board = excluded.board",
      JSON.stringify(this.board),
    );
    return this.frame();
  }

  /** The board as a dashboard frame.  */
  frame(): string {
    const frame: AlertsFrame = { type: "alerts", serverTime: Date.now(), ...this.board };
    return JSON.stringify(frame);
  }
}
