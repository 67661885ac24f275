/**
 * JSON from providers. Integers beyond 2^53 (Instagram user ids, some Graph ids) would be rounded by
 * JSON.parse, so they arrive as strings of their exact digits; everything else parses as usual.
 */
export function parseProviderJson(text: string): unknown {
  return JSON.parse(/\d{16}/.test(text) ? quoteUnsafeIntegers(text) : text);
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isNumberChar = (c: number) => isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d; // . e E + -

/** One pass outside string literals: an integer literal that is not a safe integer gets quoted. */
function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string literal, escapes included.
      for (i += 1; i < text.length && text.charCodeAt(i) !== 0x22; i += text.charCodeAt(i) === 0x5c ? 2 : 1);
      i += 1;
    } else if (c === 0x2d || isDigit(c)) {
      const start = i;
      for (i += 1; i < text.length && isNumberChar(text.charCodeAt(i)); i += 1);
      const token = text.slice(start, i);
      // Only what JSON itself calls an integer: quoting must never make invalid JSON valid.
      if (/^-?[1-9]\d{15,}$/.test(token) && !Number.isSafeInteger(Number(token))) {
        out += `${text.slice(copied, start)}"${token}"`;
        copied = i;
      }
    } else {
      i += 1;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}
