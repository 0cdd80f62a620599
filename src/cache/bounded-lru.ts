/**
 * A bounded least-recently-used map. Map iteration order is insertion order, so re-inserting on a hit keeps the
 * coldest entry first, and eviction is O(1).
 */
export class BoundedLru<V> {
  private readonly entries = new Map<string, V>();

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) {
      const coldest = this.entries.keys().next();
      if (!coldest.done) this.entries.delete(coldest.value);
    }
  }
}
