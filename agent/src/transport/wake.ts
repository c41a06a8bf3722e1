/**
 * A reusable wake-up call: `wait()` resolves at the next `notify()`. Lets the
 * stream sleep until a sample is spooled instead of polling.
 */
export class Wake {
  #waiters: (() => void)[] = [];

  /** Resolves at the next `notify()`. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Wakes everyone waiting now. */
  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
