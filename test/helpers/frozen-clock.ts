/** A clock that stands still until the test moves it: for assertions on values computed from "now". */
export class FrozenClock {
  private current: number;

  constructor(start = Date.now()) {
    this.current = start;
  }

  readonly now = (): Date => new Date(this.current);

  advance(ms: number): void {
    this.current += ms;
  }
}
