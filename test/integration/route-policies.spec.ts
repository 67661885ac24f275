import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import request from 'supertest';
import { AUTH_KIND } from '../../src/auth/auth.types.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

type Route = { method: string; path: string; kind: string | undefined; name: string };

function collectRoutes(t: TestApp): Route[] {
  const routes: Route[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
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
        const kind = Reflect.getMetadata(AUTH_KIND, handler) ?? Reflect.getMetadata(AUTH_KIND, ctor);
        const full = `/${[base, [path].flat()[0]].filter((p: string) => p && p !== '/').join('/')}`.replace(/\/+/g, '/');
        routes.push({ method, path: full, kind, name: `${ctor.name}.${name}` });
      }
    }
  }
  return routes;
}

describe('every route declares its authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('finds the application routes', () => {
    const routes = collectRoutes(t);
    expect(routes.length).toBeGreaterThanOrEqual(5);
    expect(routes).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/health', kind: 'public' })]));
  });

  it('has a policy on every route', () => {
    const missing = collectRoutes(t).filter((r) => !['public', 'user', 'service', 'admin'].includes(r.kind ?? ''));
    expect(missing.map((r) => `${r.method} ${r.path} (${r.name})`)).toEqual([]);
  });

  it('refuses anonymous calls to every non-public route', async () => {
    for (const route of collectRoutes(t).filter((r) => r.kind !== 'public')) {
      const path = route.path.replace(/:(\w+)/g, 'x');
      const res = await request(t.url)[route.method.toLowerCase() as 'get'](path).send({});
      expect({ route: `${route.method} ${route.path}`, status: res.status, error: res.body.error }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 401,
        error: 'unauthorized',
      });
    }
  });
});
