import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import { fastify } from 'fastify';

// No upgrade-insecure-requests: the admin UI must also load on plain-http internal hosts.
const csp = (scripts: string[]) => ({ directives: { 'script-src': scripts, 'upgrade-insecure-requests': null } });

/** The browser-security headers of every response: scripts only from this origin. */
export const SECURITY_HEADERS: FastifyHelmetOptions = { contentSecurityPolicy: csp(["'self'"]) };
/** Swagger UI's page runs an inline script: only /docs gets 'unsafe-inline'. */
export const DOCS_SECURITY_HEADERS: FastifyHelmetOptions = { contentSecurityPolicy: csp(["'self'", "'unsafe-inline'"]) };

/** Swagger UI's routes (/docs and its assets; not /docs-json or /docs-yaml). */
export const isDocsRoute = (url: string): boolean => /^\/docs(\/|$)/i.test(url);

const NOT_HELMETS = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * The headers @fastify/helmet sets for these options. They depend on nothing in the request, and
 * the plugin rebuilds helmet's middleware on every request (4 % of the busiest route's CPU,
 * bench/README.md), so they are taken once from a probe instance on loopback and set as a fixed list.
 */
export async function helmetHeaders(options: FastifyHelmetOptions): Promise<[string, string][]> {
  const probe = fastify();
  await probe.register(fastifyHelmet, options);
  probe.get('/', (_request, reply) => reply.send(''));
  try {
    // A real loopback request (light-my-request's inject cannot load under Jest).
    const res = await fetch(await probe.listen({ port: 0, host: '127.0.0.1' }));
    await res.text();
    return [...res.headers].filter(([name]) => !NOT_HELMETS.has(name));
  } finally {
    await probe.close();
  }
}
