/**
 * Values that never change once they exist, kept for the most recent keys so a warm function reads
 * each one once. Misses (undefined) are not kept: the value may appear later. Evicts the least
 * recently used key past `capacity`.
 */
export class RecentValues<V> {
  private readonly values = new Map<string, V>();
  private readonly capacity: number;
  private readonly load: (key: string) => Promise<V | undefined>;

  constructor(capacity: number, load: (key: string) => Promise<V | undefined>) {
    this.capacity = capacity;
    this.load = load;
  }

  async get(key: string): Promise<V | undefined> {
    const kept = this.values.get(key);
    if (kept !== undefined) {
      this.values.delete(key);
      this.values.set(key, kept);
      return kept;
    }
    const loaded = await this.load(key);
    if (loaded === undefined) return undefined;
    this.values.set(key, loaded);
    if (this.values.size > this.capacity) this.values.delete(this.values.keys().next().value!);
    return loaded;
  }
}
