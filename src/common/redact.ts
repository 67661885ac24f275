/** Keys whose values never reach a log line, an error message or a stored failure. */
export const REDACTED_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'access_token',
  'accesstoken',
  'refresh_token',
  'refreshtoken',
  'id_token',
  'code',
  'client_secret',
  'clientsecret',
  'code_verifier',
  'codeverifier',
  'password',
  'secret',
  'token',
  'assertion',
  'x-signature',
];

const KEY_SET = new Set(REDACTED_KEYS);
const R = '[REDACTED]';

const KEYS_ALT = REDACTED_KEYS.map((k) => k.replace(/[-]/g, '\\-')).join('|');
const PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${R}`],
  // query strings and form bodies: access_token=..., &code=...
  [new RegExp(`\\b(${KEYS_ALT})=([^&\\s"']+)`, 'gi'), `$1=${R}`],
  // JSON fragments: "access_token":"..."
  [new RegExp(`"(${KEYS_ALT})"\\s*:\\s*"[^"]*"`, 'gi'), `"$1":"${R}"`],
  // Anything shaped like a JWT.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, R],
  // Admin API keys (src/auth/admin-api-key.service.ts).
  [/\boca_[0-9a-f]{64}\b/g, R],
];

export function redactString(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Deep copy with sensitive keys replaced and strings scrubbed of token-shaped content. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[…]';
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redactString(value.message) };
  if (value && typeof value === 'object') {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function' && !(value instanceof Date)) {
      return redact((value as { toJSON: () => unknown }).toJSON(), depth + 1);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = KEY_SET.has(k.toLowerCase()) ? R : redact(v, depth + 1);
    return out;
  }
  return value;
}
