// A tiny scripted HTTP server standing in for an OAuth provider in adapter tests. It records every
// request (method, path, query, headers, form body) and answers from per-route handlers; routes
// nobody registered answer 404 JSON. Also builds a provider adapter pointed at it through
// PROVIDERS_FILE, the way a deployment overrides a built-in's URLs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStartupConfig, type StartupConfig } from '../../src/startup-config.js';
import { createAdapter, type StandardAdapter } from '../../src/providers/adapters/index.js';
import { BUILT_IN_PROVIDERS } from '../../src/providers/provider-catalogue.js';
import { ProviderHttpClient } from '../../src/providers/provider-http.client.js';
import { ProviderError } from '../../src/providers/provider.exception.js';
import type { ProviderConfig } from '../../src/providers/provider.types.js';

export type RecordedRequest = {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed application/x-www-form-urlencoded body ({} for any other body). */
  form: Record<string, string>;
  body: string;
  /** Date.now() when the request was received (to order it against other events). */
  receivedAt: number;
};

export type FakeReply = {
  status?: number;
  /** Serialized as the body with content-type application/json. */
  json?: unknown;
  /** Raw body, used when `json` is not given. */
  body?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
};

export type FakeHandler = (req: RecordedRequest) => FakeReply | Promise<FakeReply>;

export type FakeProvider = {
  /** Base URL, e.g. http://127.0.0.1:54321 (no trailing slash). */
  url: string;
  requests: RecordedRequest[];
  /** Registers (or replaces) the answer for `METHOD path`; a plain reply object is answered every time. */
  on(method: string, path: string, handler: FakeHandler | FakeReply): FakeProvider;
  /** The recorded requests to one route. */
  requestsTo(method: string, path: string): RecordedRequest[];
  close(): Promise<void>;
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startFakeProvider(): Promise<FakeProvider> {
  const routes = new Map<string, FakeHandler>();
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

  const answer = (res: ServerResponse, reply: FakeReply) => {
    if (res.destroyed) return;
    const headers: Record<string, string> = { ...reply.headers };
    let body = reply.body ?? '';
    if (reply.json !== undefined) {
      body = JSON.stringify(reply.json);
      headers['content-type'] ??= 'application/json; charset=utf-8';
    }
    res.writeHead(reply.status ?? 200, headers);
    res.end(body);
  };

  const server = createServer(async (req, res) => {
    res.on('error', () => undefined); // the client under test may hang up mid-answer (size cap, timeout)
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const body = await readBody(req);
    const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      form: isForm ? Object.fromEntries(new URLSearchParams(body)) : {},
      body,
      receivedAt: Date.now(),
    };
    requests.push(recorded);
    const handler = routes.get(key(recorded.method, recorded.path));
    let reply: FakeReply;
    try {
      reply = handler ? await handler(recorded) : { status: 404, json: { error: 'not_found', path: recorded.path } };
    } catch (error) {
      reply = { status: 500, json: { error: 'fake_handler_threw', message: String(error) } };
    }
    if (reply.delayMs) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer(res, reply);
      }, reply.delayMs);
      timers.add(timer);
    } else {
      answer(res, reply);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeProvider = {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(method, path, handler) {
      routes.set(key(method, path), typeof handler === 'function' ? handler : () => handler);
      return fake;
    },
    requestsTo: (method, path) => requests.filter((r) => r.method === method.toUpperCase() && r.path === path),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  return fake;
}

/** Moves a URL to another origin, keeping its path and query (`https://api.x.com/2/users/me` → `<base>/2/users/me`). */
export function rehost(url: string, base: string): string {
  const u = new URL(url);
  // A catalogue URL's `{apiVersion}` stays a template (URL parsing percent-encodes its braces).
  return `${base}${u.pathname}${u.search}`.replaceAll('%7BapiVersion%7D', '{apiVersion}');
}

/** A PROVIDERS_FILE entry moving every URL of built-in `id` to `base` (same paths), plus `extra`. */
export function builtInOverrides(id: string, base: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const b = BUILT_IN_PROVIDERS[id]!;
  const urls = {
    authorizationUrl: b.authorizationUrl,
    tokenUrl: b.tokenUrl,
    refreshUrl: b.refreshUrl,
    revocationUrl: b.revocationUrl,
    userInfoUrl: b.userInfoUrl,
    introspectionUrl: b.introspectionUrl,
    assetsUrl: b.assetsUrl,
  };
  const moved = Object.entries(urls).flatMap(([k, v]) => (v ? [[k, rehost(v, base)]] : []));
  return { ...Object.fromEntries(moved), ...extra };
}

/** Awaits a promise expected to reject with a ProviderError and returns that error. */
export async function providerFailure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => new Error('expected a ProviderError, but the call succeeded'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

export const TEST_SECRETS_ENV = {
  NODE_ENV: 'test',
  TOKEN_ENCRYPTION_KEYS: `k1:${'a'.repeat(64)}`,
  SESSION_JWT_SECRET: 'x'.repeat(40),
  SERVICE_JWT_SECRET: 'y'.repeat(40),
};

/**
 * Loads the real configuration with a PROVIDERS_FILE holding `{ [id]: entry }` and builds that
 * provider's adapter on the real HTTP client.
 */
export function adapterFromFile(
  id: string,
  entry: Record<string, unknown>,
  env: Record<string, string> = {},
): { config: StartupConfig; provider: ProviderConfig; adapter: StandardAdapter } {
  const dir = mkdtempSync(join(tmpdir(), 'oc-fake-provider-'));
  const file = join(dir, 'providers.json');
  writeFileSync(file, JSON.stringify({ [id]: entry }));
  const config = loadStartupConfig({ ...TEST_SECRETS_ENV, DATA_DIR: dir, PROVIDERS_FILE: file, ...env });
  const provider = config.providers.find((p) => p.id === id);
  if (!provider) throw new Error(`provider ${id} is not enabled`);
  return { config, provider, adapter: createAdapter(provider, new ProviderHttpClient(config)) };
}
