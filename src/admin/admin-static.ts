import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { sendError } from '../common/http-exception.filter.js';

const HASHED_ASSET_MAX_AGE = 'public, max-age=31536000, immutable';

const isFile = (path: string): boolean => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/**
 * Serves the admin UI (the Vite build in `admin/dist`, see `npm run admin:build`) under /admin
 * with @fastify/static. Hashed assets are cached for a year; index.html is never cached, so a
 * deploy is picked up at once. Any other GET under /admin (except the API under /admin/api)
 * answers index.html so the SPA's own routes survive a reload. These are public static files: the
 * API they call is guarded (its routes are more specific than `/admin/*`, so the router picks them).
 */
export async function mountAdminUi(fastify: FastifyInstance): Promise<void> {
  const dist = resolve(process.cwd(), 'admin', 'dist');
  const assets = join(dist, 'assets') + sep;
  await fastify.register(fastifyStatic, {
    root: dist,
    serve: false,
    index: false,
    dotfiles: 'ignore',
    cacheControl: false,
    setHeaders: (reply, path) => reply.header('Cache-Control', path.startsWith(assets) ? HASHED_ASSET_MAX_AGE : 'no-cache'),
  });

  const serve = (request: FastifyRequest, reply: FastifyReply): unknown => {
    const path = (request.params as { '*'?: string })['*'] ?? '';
    // An unknown API route is the API's 404, never the HTML page.
    if (/^api(\/|$)/i.test(path)) return sendError(reply, { statusCode: 404, error: 'not_found', message: 'Route not found' });
    if (!isFile(join(dist, 'index.html'))) {
      return sendError(reply, { statusCode: 503, error: 'admin_ui_not_built', message: 'Run npm run admin:build' }, { 'Cache-Control': 'no-store' });
    }
    const file = resolve(dist, path);
    if (path !== '' && file.startsWith(dist + sep) && isFile(file)) return reply.sendFile(path);
    // A missing hashed asset is a 404, never the HTML page (a browser would run it as a script).
    if (/^assets\//.test(path)) return sendError(reply, { statusCode: 404, error: 'not_found', message: 'Route not found' });
    return reply.sendFile('index.html');
  };
  fastify.get('/admin', serve);
  fastify.get('/admin/*', serve);
}
