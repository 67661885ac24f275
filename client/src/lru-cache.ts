/** A bounded map that forgets its least recently used entry first (a Map keeps insertion order). */
export class LruCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Deletes every entry `match` selects and returns their keys. Linear, for rare events (a rejected token). */
  deleteWhere(match: (value: V) => boolean): string[] {
    const keys = [...this.entries].filter(([, value]) => match(value)).map(([key]) => key);
    for (const key of keys) this.entries.delete(key);
    return keys;
  }

  find(match: (value: V) => boolean): V | undefined {
    for (const value of this.entries.values()) if (match(value)) return value;
    return undefined;
  }

  clear(): void {
    this.entries.clear();
  }
}
