/** A small LRU of decoded blocks (promises, so concurrent readers share one decode), bounded in bytes. */
export class BlockCache<T> {
  private readonly map = new Map<string, { value: Promise<T>; bytes: number }>();
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string, bytes: number, load: () => Promise<T>): Promise<T> {
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit.value;
    }
    const value = load();
    const entry = { value, bytes };
    this.map.set(key, entry);
    this.total += bytes;
    // A failed load must not stay cached.
    value.catch(() => {
      if (this.map.get(key) === entry) {
        this.map.delete(key);
        this.total -= bytes;
      }
    });
    while (this.total > this.maxBytes && this.map.size > 1) {
      const oldest = this.map.keys().next().value as string;
      const e = this.map.get(oldest);
      this.map.delete(oldest);
      if (e) this.total -= e.bytes;
    }
    return value;
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }
}
