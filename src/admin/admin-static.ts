import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sendError } from '../common/http-exception.filter.js';

const HASHED_ASSET_MAX_AGE = 'public, max-age=31536000, immutable';

/**
 * Serves the admin UI (the Vite build in `admin/dist`, see `npm run admin:build`) under /admin.
 * Hashed assets are cached for a year; index.html is never cached, so a deploy is picked up at
 * once. Any other GET under /admin (except the API under /admin/api) answers index.html so the
 * SPA's own routes survive a reload. These are public static files: the API they call is guarded.
 */
export function mountAdminUi(app: NestExpressApplication): void {
  const dist = resolve(process.cwd(), 'admin', 'dist');
  const indexFile = join(dist, 'index.html');
  const assets = express.static(dist, {
    index: false,
    redirect: false,
    dotfiles: 'ignore',
    fallthrough: true,
    setHeaders: (res, path) => res.setHeader('Cache-Control', path.startsWith(join(dist, 'assets')) ? HASHED_ASSET_MAX_AGE : 'no-cache'),
  });

  app.use('/admin', (req: Request, res: Response, next: NextFunction) => {
    if (req.path === '/api' || req.path.startsWith('/api/')) return next();
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (!existsSync(indexFile)) {
      return sendError(res, { statusCode: 503, error: 'admin_ui_not_built', message: 'Run npm run admin:build' }, { 'Cache-Control': 'no-store' });
    }
    const spaFallback = () => {
      // A missing hashed asset is a 404, never the HTML page (a browser would run it as a script).
      if (req.path.startsWith('/assets/')) return sendError(res, { statusCode: 404, error: 'not_found', message: 'Route not found' });
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(indexFile, (error?: Error) => {
        if (error && !res.headersSent) sendError(res, { statusCode: 500, error: 'internal_error', message: 'Could not read the admin UI' });
      });
    };
    if (req.path === '/' || req.path === '/index.html') return spaFallback();
    assets(req, res, spaFallback);
  });
}
