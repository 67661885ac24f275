/**
 * Whether a connect session's `returnUrl` is on CONNECT_RETURN_URLS. Both sides are parsed by the
 * WHATWG URL parser, the one browsers follow the redirect with, and compared as parts (scheme,
 * host, port, path), never as text: `https://app.example.com.evil.com`, `https://app.example.com@evil.com`,
 * `//evil.com` or `javascript:` cannot pass for an allowed origin. Answers the URL to redirect to
 * (as parsed), or undefined.
 */
export function allowedReturnUrl(candidate: string, allowList: readonly string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(candidate); // absolute only: no base, so `//evil.com` and `/path` fail here
  } catch {
    return undefined;
  }
  // Browsers drop control characters and tabs the parser would strip; refuse what does not round-trip cleanly.
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u0020\u007f\\]/.test(candidate)) return undefined;
  if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password) return undefined;
  return allowList.some((entry) => matches(url, new URL(entry))) ? url : undefined;
}

function matches(url: URL, entry: URL): boolean {
  if (url.origin !== entry.origin) return false;
  const prefix = entry.pathname;
  if (prefix === '/') return true;
  // A prefix matches at a path-segment boundary: `/settings` allows `/settings` and `/settings/x`, not `/settings-evil`.
  if (prefix.endsWith('/')) return url.pathname.startsWith(prefix);
  return url.pathname === prefix || url.pathname.startsWith(`${prefix}/`);
}

/** `returnUrl` with the connect result added to its query (replacing the same keys if the app put them there). */
export function withResult(returnUrl: string, result: Record<string, string>): string {
  const url = new URL(returnUrl);
  for (const [k, v] of Object.entries(result)) url.searchParams.set(k, v);
  return url.href;
}
