import { ENV, type EnvName, type EnvSpec } from './config.schema.js';
import type { Parser } from './env-parsers.js';

export type Env = Record<string, string | undefined>;

type Spec<K extends EnvName> = (typeof ENV)[K];
/** A variable's parsed type; `undefined` is possible only for a variable without a default. */
export type EnvValue<K extends EnvName> = (Spec<K>['parse'] extends Parser<infer T> ? T : never) | (Spec<K> extends { default: string } ? never : undefined);

/**
 * Reads variables through the schema: the parser gives the type, the schema the default. A bad
 * value is recorded in `problems` (naming the variable) and the default stands in, so every
 * problem is found in one pass.
 */
export class EnvReader {
  readonly problems: string[] = [];
  private readonly values = new Map<EnvName, unknown>();
  private readonly reading = new Set<EnvName>();

  constructor(private readonly env: Env) {}

  /** The trimmed text, or undefined when unset or blank. */
  raw(name: EnvName): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  isSet(name: EnvName): boolean {
    return this.raw(name) !== undefined;
  }

  get<K extends EnvName>(name: K): EnvValue<K> {
    if (!this.values.has(name)) this.values.set(name, this.read(name));
    return this.values.get(name) as EnvValue<K>;
  }

  /** Parses `value` as variable `name` would be (for values that come from elsewhere, such as the development secrets file). */
  parseAs<T>(name: EnvName, parser: Parser<T>, value: string): T | undefined {
    return parser(value, this.context(name));
  }

  private read(name: EnvName): unknown {
    const spec: EnvSpec<unknown> = ENV[name];
    const value = this.raw(name);
    const parsed = value === undefined ? undefined : spec.parse(value, this.context(name));
    return parsed !== undefined ? parsed : this.defaultOf(name, spec);
  }

  private defaultOf(name: EnvName, spec: EnvSpec<unknown>): unknown {
    const production = spec.productionDefault !== undefined && name !== 'NODE_ENV' && this.get('NODE_ENV') === 'production';
    const template = production ? spec.productionDefault : spec.default;
    if (template === undefined) return undefined;
    if (this.reading.has(name)) throw new Error(`config.schema.ts: the default of ${name} refers to itself`);
    this.reading.add(name);
    const text = template.replace(/\$([A-Z][A-Z0-9_]*)/g, (_, ref: string) => String(this.get(ref as EnvName)));
    this.reading.delete(name);
    // A default the schema's own parser refuses is a bug in the schema, not the environment's problem.
    const invalid = (message: string) => {
      throw new Error(`config.schema.ts: the default of ${name} is invalid: ${message}`);
    };
    return spec.parse(text, { name, got: () => '', problem: invalid });
  }

  private context(name: EnvName) {
    const secret = (ENV[name] as EnvSpec<unknown>).secret === true;
    return { name, problem: (message: string) => void this.problems.push(message), got: (value: string) => (secret ? '' : ` (got "${value.slice(0, 100)}")`) };
  }
}
