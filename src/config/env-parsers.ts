import { isIP } from 'node:net';
import { resolve } from 'node:path';
import bytes from 'bytes';
import { validateCronExpression } from 'cron';
import ms from 'ms';
import type { EncryptionKey, WebhookSecret } from './config.types.js';

/** What a parser is told about the variable it reads. */
export type ParseContext = {
  name: string;
  /** Records a problem; every message starts with the variable's name. */
  problem: (message: string) => void;
  /** ` (got "…")` to end a message with, or nothing for a secret: secret values are never echoed. */
  got: (value: string) => string;
};

/**
 * Turns one variable's text into its typed value, or records what is wrong (naming the variable
 * and the expected form) and returns undefined.
 */
export type Parser<T> = (value: string, ctx: ParseContext) => T | undefined;

export const text = (): Parser<string> => (value) => value;

/** A directory, resolved against the working directory. */
export const path = (): Parser<string> => (value) => resolve(value);

export function int(min: number, max: number): Parser<number> {
  return (value, { name, problem, got }) => {
    if (/^\d+$/.test(value) && Number(value) >= min && Number(value) <= max) return Number(value);
    problem(`${name} must be an integer between ${min} and ${max}${got(value)}`);
    return undefined;
  };
}

/** One of the keys of `choices`, read as its value. */
export function choice<const M extends Record<string, unknown>>(choices: M): Parser<M[keyof M]> {
  return (value, { name, problem, got }) => {
    if (Object.hasOwn(choices, value)) return choices[value] as M[keyof M];
    problem(`${name} must be one of ${Object.keys(choices).join(', ')}${got(value)}`);
    return undefined;
  };
}

export function oneOf<const T extends string>(values: readonly T[]): Parser<T> {
  return choice(Object.fromEntries(values.map((v) => [v, v])) as Record<T, T>);
}

export function bool(): Parser<boolean> {
  return (value, { name, problem, got }) => {
    const lower = value.toLowerCase();
    if (['true', '1', 'yes'].includes(lower)) return true;
    if (['false', '0', 'no'].includes(lower)) return false;
    problem(`${name} must be true or false${got(lower)}`);
    return undefined;
  };
}

/** A URL with one of `protocols`, without trailing slashes. Never echoed: URLs may carry credentials. */
export function url(protocols: string[]): Parser<string> {
  return (value, { name, problem }) => {
    try {
      if (protocols.includes(new URL(value).protocol)) return value.replace(/\/+$/, '');
    } catch {
      // reported below
    }
    problem(`${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
    return undefined;
  };
}

/**
 * A comma-separated list of http(s) URLs: `accept` returns what to keep of a parsed entry (or
 * undefined to refuse it, with `complaint`'s message); one problem per bad entry.
 */
function urlList(accept: (entry: string, parsed: URL) => string | undefined, complaint: string): Parser<string[]> {
  return (value, { name, problem }) => {
    const found: string[] = [];
    let valid = true;
    for (const entry of value
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)) {
      let kept: string | undefined;
      try {
        const parsed = new URL(entry);
        if (['http:', 'https:'].includes(parsed.protocol)) kept = accept(entry, parsed);
      } catch {
        kept = undefined;
      }
      if (kept !== undefined) found.push(kept);
      else {
        valid = false;
        problem(`${name}: "${entry.slice(0, 100)}" ${complaint}`);
      }
    }
    return valid ? found : undefined;
  };
}

/** Comma-separated exact origins (`https://app.example.com`): no paths, no wildcards. */
export function origins(): Parser<string[]> {
  return urlList(
    (entry, parsed) => (parsed.origin === entry ? entry : undefined),
    'is not an exact origin; write scheme://host[:port] with no path, trailing slash or wildcard (e.g. https://app.example.com)',
  );
}

/**
 * Comma-separated return URLs of the hosted connect page: exact origins (`https://app.example.com`,
 * any path on it) or URL prefixes (`https://app.example.com/settings/`). No query, fragment,
 * userinfo or wildcard; http(s) only. Kept as written, normalised by the URL parser.
 */
export function returnUrls(): Parser<string[]> {
  return urlList((entry, parsed) => {
    const plain =
      !parsed.username && !parsed.password && !parsed.search && !parsed.hash && !entry.includes('*') && !entry.endsWith('?') && !entry.endsWith('#');
    if (!plain) return undefined;
    return parsed.origin === entry ? entry : parsed.href;
  }, 'is not an origin or URL prefix; write scheme://host[:port] or scheme://host[:port]/path/ with no query, fragment, user name or wildcard (e.g. https://app.example.com/settings/)');
}

/** A duration in milliseconds, in `ms`'s notation (`90s`, `10m`, `2h`, `1d`, or plain milliseconds), within `min`..`max`. */
export function duration(bounds: { min?: string; max?: string } = {}): Parser<number> {
  const bound = (b: string) => toMs(b) ?? fail(`duration bound ${b} is not a duration`);
  const min = bounds.min === undefined ? 0 : bound(bounds.min);
  const max = bounds.max === undefined ? Number.MAX_SAFE_INTEGER : bound(bounds.max);
  return (value, { name, problem, got }) => {
    const parsed = toMs(value);
    if (parsed === undefined) problem(`${name} must be a duration such as 30s, 10m, 2h or 1d${got(value)}`);
    else if (parsed < min || parsed > max) problem(`${name} must be between ${bounds.min ?? '0'} and ${bounds.max ?? 'any length'}${got(value)}`);
    else return parsed;
    return undefined;
  };
}

function fail(message: string): never {
  throw new Error(message);
}

/** Whole, non-negative milliseconds, or undefined. */
function toMs(value: string): number | undefined {
  let parsed: number | undefined;
  try {
    parsed = ms(value as ms.StringValue) as number | undefined;
  } catch {
    return undefined;
  }
  return parsed !== undefined && Number.isSafeInteger(parsed) && parsed >= 0 ? parsed : undefined;
}

/** A size in bytes in `bytes`'s notation (`64kb`, `1mb`, or plain bytes). */
export function size(): Parser<number> {
  return (value, { name, problem, got }) => {
    const parsed = bytes.parse(value);
    // Without a unit it knows, bytes falls back to parseInt ("12abc" is 12): take that only for a plain byte count.
    const fellBack = parsed === Number.parseInt(value, 10);
    const plain = String(parsed) === value.replace(/b$/i, '');
    if (parsed !== null && Number.isSafeInteger(parsed) && parsed >= 1 && (!fellBack || plain)) return parsed;
    problem(`${name} must be a size such as 64kb or 1mb${got(value)}`);
    return undefined;
  };
}

/** A cron expression (validated by the cron package's own parser, the one the scheduler runs), or `off`: null. */
export function cronOrOff(): Parser<string | null> {
  return (value, { name, problem }) => {
    if (value === 'off') return null;
    const check = validateCronExpression(value);
    if (check.valid) return value;
    problem(`${name} must be a cron expression (5 or 6 fields) or off (got "${value.slice(0, 100)}": ${check.error?.message ?? 'invalid'})`);
    return undefined;
  };
}

const NAMED_SUBNETS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Fastify's `trustProxy`: false, a hop count, or proxy addresses; `true` would trust a forged X-Forwarded-For from anyone. */
export function trustProxy(): Parser<false | number | string> {
  return (value, { name, problem }) => {
    if (value === 'false' || value === '0') return false;
    if (/^\d+$/.test(value)) return Number(value);
    if (value.toLowerCase() === 'true') {
      problem(
        `${name}=true trusts every hop, so any client could forge X-Forwarded-For and evade the sign-in rate limits; set the number of proxies in front of the service (e.g. ${name}=1) or their addresses (e.g. ${name}=10.0.0.5,loopback)`,
      );
      return undefined;
    }
    const entries = value.split(',').map((e) => e.trim());
    const bad = entries.filter((e) => !NAMED_SUBNETS.has(e) && !isAddressOrCidr(e));
    if (bad.length === 0) return entries.join(',');
    problem(
      `${name} must be false, a hop count or a comma-separated list of proxy addresses or CIDRs (not an address: ${bad.map((b) => `"${b}"`).join(', ')})`,
    );
    return undefined;
  };
}

function isAddressOrCidr(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

const HEX64 = /^[0-9a-fA-F]{64}$/;
const KID = /^[A-Za-z0-9_-]{1,32}$/;

/** A key ring `kid1:hex64,kid2:hex64`: the first key encrypts. Reports the shape of a bad key, never the key. */
export function keyRing(): Parser<EncryptionKey[]> {
  return (value, { name, problem }) => {
    const keys: EncryptionKey[] = [];
    let valid = true;
    const fail = (message: string) => {
      valid = false;
      problem(message);
    };
    for (const [index, entry] of value.split(',').entries()) {
      const [kid, key, ...rest] = entry.trim().split(':');
      if (rest.length > 0 || !kid || key === undefined) {
        fail(`${name}: entry ${index + 1} must look like kid:<64 hex characters>`);
        continue;
      }
      if (!KID.test(kid)) fail(`${name}: key id "${kid}" must be 1-32 characters of A-Z, a-z, 0-9, _ or -`);
      if (!HEX64.test(key)) fail(`${name}: key "${kid}" must be 64 hex characters (got ${key.length} characters)`);
      if (keys.some((k) => k.kid === kid)) fail(`${name}: key id "${kid}" appears twice`);
      keys.push({ kid, key: key.toLowerCase() });
    }
    return valid ? keys : undefined;
  };
}

const WHSEC = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * WEBHOOK_SECRET: one secret, or two separated by a space during a rotation (the new one first).
 * `whsec_<base64>` is the Standard Webhooks form: the HMAC key is the decoded 24-64 bytes. Any other
 * value is a raw secret (the form earlier releases took), whose UTF-8 bytes are the key. Never echoed.
 */
export function webhookSecrets(): Parser<WebhookSecret[]> {
  return (value, { name, problem }) => {
    const entries = value.split(/\s+/).filter(Boolean);
    const secrets: WebhookSecret[] = [];
    if (entries.length > 2) {
      problem(`${name} holds at most two secrets separated by a space, the new one first and then the one being retired (got ${entries.length})`);
      return undefined;
    }
    for (const [index, text] of entries.entries()) {
      const which = entries.length > 1 ? ` (secret ${index + 1})` : '';
      if (text.startsWith(WHSEC)) {
        const encoded = text.slice(WHSEC.length);
        const decoded = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
        // Buffer.from skips what is not base64; only a value that encodes back to itself is taken.
        const key = decoded && decoded.toString('base64').replace(/=+$/, '') === encoded.replace(/=+$/, '') ? decoded : undefined;
        if (!key || key.length < 24 || key.length > 64) {
          problem(
            `${name}${which} starts with whsec_, so the rest must be the base64 of 24 to 64 random bytes${key ? ` (it decodes to ${key.length} bytes)` : ' (it is not base64)'}; generate one with: node -e "console.log('whsec_' + require('crypto').randomBytes(32).toString('base64'))"`,
          );
          continue;
        }
        secrets.push({ text, key });
      } else if (text.length < 16) {
        problem(`${name}${which} must be at least 16 characters (got ${text.length}); prefer the whsec_<base64> form of Standard Webhooks`);
      } else {
        secrets.push({ text, key: Buffer.from(text, 'utf8') });
      }
    }
    if (secrets.length === 2 && secrets[0]!.key.equals(secrets[1]!.key)) {
      problem(`${name} holds the same secret twice; during a rotation put the new secret first and the old one second`);
      return undefined;
    }
    return secrets.length === entries.length ? secrets : undefined;
  };
}
