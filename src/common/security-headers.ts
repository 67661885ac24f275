import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/** The browser-security headers of every response. */
export function securityHeaders(): ReturnType<typeof helmet> {
  // No upgrade-insecure-requests: the admin UI must also load on plain-http internal hosts.
  return helmet({ contentSecurityPolicy: { directives: { 'script-src': ["'self'", "'unsafe-inline'"], 'upgrade-insecure-requests': null } } });
}

/** The same headers as a fixed list, for handlers outside Express: nothing in them depends on the request. */
export function staticSecurityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => void (headers[name] = String(value)),
    removeHeader: (name: string) => void delete headers[name],
    getHeader: (name: string) => headers[name],
  };
  let done = false;
  securityHeaders()({ headers: {} } as IncomingMessage, recorder as unknown as ServerResponse, () => (done = true));
  if (!done) throw new Error('helmet did not finish synchronously');
  return headers;
}
