/** A monotonic clock in milliseconds, and a way to wait on it (tests give their own). */
export interface CheckClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realCheckClock: CheckClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Recent checks remembered per cost class: the floor follows the machine's load within a few logins. */
const SAMPLES_PER_CLASS = 16;
/**
 * The share of a class's recent checks that end before the floor. Not all of them: on a shared machine one
 * check in a while takes several times as long (measured: 940 ms against a usual 600 ms under load), and the
 * highest duration would hold every failure that long until it left the window.
 */
const COVERED = 0.9;
/** Cost classes come from stored hashes (imports), not from clients; this only bounds a pathological import. */
const MAX_CLASSES = 256;

/**
 * The least time a failed password check may take, so that a failure does not tell which kind of hash, or
 * whether any hash at all, stood behind the identifier.
 *
 * A login for an unknown identifier verifies against a dummy hash with the current argon2id parameters. A known
 * account may hold a hash with other costs: an imported bcrypt, PBKDF2 or scrypt hash, or argon2 with older
 * parameters, kept until the owner's next successful login rehashes it. Were a failure answered as soon as its
 * check ended, the response time would sort identifiers into "unknown" (the dummy's cost) and "known, with a
 * hash of some other cost". So every check's duration is recorded under its cost class (format and parameters:
 * `HashFormat.costClass`), and every failed check (the dummy's included) is held until it has taken as long as
 * the costliest class's recent checks: the 90th percentile of its last 16 durations, so that nearly every failure
 * ends at the same moment instead of spreading like the checks themselves do.
 *
 * Holding is a timer, not work: it costs no CPU and no hashing slot. Cheaper hashes are lifted to the dummy's
 * cost, and a class costlier than the dummy (bcrypt at cost 13, say) lifts every failure, unknown identifiers
 * included, to its own cost from the moment it has been seen. Its first failure in a process ends at its own
 * pace, before the floor knows it; docs/security.md says how to avoid even that one (argon2 parameters at least
 * as costly as the imported hashes). Successful checks are never held: whoever knows the password knows the
 * account exists.
 */
export class FailedCheckFloor {
  private readonly recent = new Map<string, number[]>();

  record(costClass: string, ms: number): void {
    let samples = this.recent.get(costClass);
    if (!samples) {
      if (this.recent.size >= MAX_CLASSES) this.recent.delete(this.recent.keys().next().value as string);
      samples = [];
      this.recent.set(costClass, samples);
    }
    samples.push(ms);
    if (samples.length > SAMPLES_PER_CLASS) samples.shift();
  }

  /** The time every failed check is held to, in milliseconds (0 before any check was recorded). */
  get floorMs(): number {
    let floor = 0;
    for (const samples of this.recent.values()) {
      // Nearest rank: with fewer than ten samples the highest counts; from ten on, the highest is left out.
      const sorted = [...samples].sort((a, b) => a - b);
      floor = Math.max(floor, sorted[Math.ceil(COVERED * sorted.length) - 1] ?? 0);
    }
    return floor;
  }

  /** How much longer a failed check that took `ms` must be held. */
  paddingFor(ms: number): number {
    return Math.max(0, this.floorMs - ms);
  }
}
