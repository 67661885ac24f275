import { RequestMethod, type INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';

export type Route = { method: string; path: string; name: string; controller: object; handler: object };

/** Every controller route of the app (`/social/:platform/status` style paths; no global prefix is used). */
export function collectRoutes(app: INestApplication): Route[] {
  const routes: Route[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const ctor = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!ctor) continue;
      const base = [Reflect.getMetadata(PATH_METADATA, ctor)].flat()[0] ?? '';
      for (const name of Object.getOwnPropertyNames(ctor.prototype)) {
        const handler = (ctor.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, handler);
        if (path === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]!;
        const full = `/${[base, [path].flat()[0]].filter((p: string) => p && p !== '/').join('/')}`.replace(/\/+/g, '/');
        routes.push({ method, path: full, name: `${ctor.name}.${name}`, controller: ctor, handler });
      }
    }
  }
  return routes;
}
