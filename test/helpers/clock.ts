/**
 * A clock a test moves forward; pass `clock.now` as the runtime's `now`. `new TestClock()` runs with the wall
 * clock, shifted by what the test advanced; `TestClock.frozen()` stands still until the test moves it, for
 * assertions on values computed from "now".
 */
export class TestClock {
  private offsetMs = 0;

  private constructor(private readonly frozenAt: number | null) {}

  /** A running clock. */
  static running(): TestClock {
    return new TestClock(null);
  }

  /** A clock standing still at `start` (now by default). */
  static frozen(start = Date.now()): TestClock {
    return new TestClock(start);
  }

  readonly now = (): Date => new Date((this.frozenAt ?? Date.now()) + this.offsetMs);

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
