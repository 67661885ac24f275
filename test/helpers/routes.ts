import type { INestApplication } from '@nestjs/common';
import { AUTH_KIND } from '../../src/auth/auth.types.js';
import { collectRoutes as collectAppRoutes } from '../../src/common/routes.js';

export type Route = { method: string; path: string; kind: string | undefined; name: string };

/** Every controller route of the running app, with its declared authentication policy. */
export function collectRoutes(app: INestApplication): Route[] {
  return collectAppRoutes(app).map(({ method, path, name, controller, handler }) => ({
    method,
    path,
    name,
    kind: Reflect.getMetadata(AUTH_KIND, handler) ?? Reflect.getMetadata(AUTH_KIND, controller),
  }));
}
