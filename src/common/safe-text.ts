/**
 * Strings from outside (providers above all) before they reach an API message, a log line or a
 * column: nothing that ends a line, hides text or reverses its direction, and a bounded length.
 */

// C0 and C1 controls, DEL, line and paragraph separators, bidi embeddings/overrides/isolates, BOM.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
const UNSAFE_ONE = new RegExp(UNSAFE.source);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const LONE_SURROGATE_ONE = new RegExp(LONE_SURROGATE.source);
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes (never drops) unsafe characters, so a log line stays one line and shows what was sent. */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** True when the text holds a character `escapeControl` would escape, or a lone surrogate. */
export function hasUnsafeCharacters(text: string): boolean {
  return UNSAFE_ONE.test(text) || LONE_SURROGATE_ONE.test(text);
}

/** The first `max` code points (never half of a surrogate pair). */
export function truncateCodePoints(text: string, max: number): string {
  if (text.length <= max) return text;
  return Array.from(text.slice(0, max * 2))
    .slice(0, max)
    .join('');
}

/**
 * A machine code (OAuth `error`, a Graph `type/code`): letters, digits and `_ . : / -` only, every
 * other run replaced by `_`, at most `max` characters. Undefined when nothing is left.
 */
export function safeCode(value: unknown, max = 64): string | undefined {
  if (typeof value !== 'string') return undefined;
  const code = value
    .slice(0, max * 4)
    .replace(/[^A-Za-z0-9_.:/-]+/g, '_')
    .slice(0, max);
  return /[A-Za-z0-9]/.test(code) ? code : undefined;
}

/**
 * Text a person reads (a username, a display name): unsafe characters become spaces, whitespace is
 * collapsed, at most `max` code points. Null when nothing is left. Safe integers are accepted as text.
 */
export function safeDisplayText(value: unknown, max = 255): string | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : null;
  if (typeof value !== 'string') return null;
  const text = value
    .slice(0, max * 4)
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(UNSAFE, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text ? truncateCodePoints(text, max) : null;
}
