/** Small typed readers for environment strings; each pushes a message naming the variable on failure. */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Record<string, string | undefined>) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
    return fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problems.push(`${name} must be an integer between ${min} and ${max} (got "${value}")`);
      return fallback;
    }
    return Number(value);
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    this.problems.push(`${name} must be true or false (got "${value}")`);
    return fallback;
  }

  url(name: string, fallback: string | undefined, protocols: string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
      return value.replace(/\/+$/, '');
    } catch {
      this.problems.push(`${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
      return fallback;
    }
  }

  /** Comma-separated exact origins (`https://app.example.com`): no paths, no wildcards. */
  origins(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const origins: string[] = [];
    for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
      let origin: string | undefined;
      try {
        const parsed = new URL(entry);
        if (['http:', 'https:'].includes(parsed.protocol) && parsed.origin === entry) origin = entry;
      } catch {
        origin = undefined;
      }
      if (origin) origins.push(origin);
      else this.problems.push(`${name}: "${entry.slice(0, 100)}" is not an exact origin; write scheme://host[:port] with no path, trailing slash or wildcard (e.g. https://app.example.com)`);
    }
    return origins;
  }

  /** Durations like `90s`, `2h`, `30m`, `1d` or plain milliseconds. */
  durationMs(name: string, fallback: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
    if (!match) {
      this.problems.push(`${name} must be a duration such as 30s, 10m, 2h or 1d (got "${value}")`);
      return fallback;
    }
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 'ms']!;
    return Number(match[1]) * unit;
  }
}
