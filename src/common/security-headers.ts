import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

type Middleware = ReturnType<typeof helmet>;

// No upgrade-insecure-requests: the admin UI must also load on plain-http internal hosts.
const strict = (): Middleware => helmet({ contentSecurityPolicy: { directives: { 'script-src': ["'self'"], 'upgrade-insecure-requests': null } } });
// Swagger UI's page runs an inline script: only /docs gets 'unsafe-inline'.
const docs = (): Middleware => helmet({ contentSecurityPolicy: { directives: { 'script-src': ["'self'", "'unsafe-inline'"], 'upgrade-insecure-requests': null } } });
const DOCS_PATH = /^\/docs(\/|$|\?)/i;

/** The browser-security headers of every response; scripts only from this origin, except on /docs. */
export function securityHeaders(): Middleware {
  const [everywhere, onDocs] = [strict(), docs()];
  return (req, res, next) => (DOCS_PATH.test(req.url ?? '') ? onDocs : everywhere)(req, res, next);
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
