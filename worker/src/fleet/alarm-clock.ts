/**
 * The fleet object's one alarm. `by(t)` only ever pulls it earlier, and
 * skips the storage write when the alarm is already set early enough (it
 * runs per sample). What is known lives in memory: after a restart the
 * first call writes again.
 */
export class AlarmClock {
  private at: number | undefined;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly log: (where: string, e: unknown) => void,
  ) {}

  /** Makes sure the alarm fires no later than `t`. */
  by(t: number): void {
    const now = Date.now();
    if (this.at !== undefined && this.at <= t && this.at >= now) return;
    this.at = Math.max(t, now);
    this.storage.setAlarm(this.at).catch((e: unknown) => this.log("setAlarm", e));
  }

  /** After an alarm ran: sets the next one from scratch (none when `t` is undefined). */
  async reset(t: number | undefined): Promise<void> {
    this.at = undefined;
    if (t === undefined) return;
    this.at = t;
    await this.storage.setAlarm(t);
  }
}
