// In-process OAuth 2.0 / OpenID Connect authorization server (oidc-provider v9) for integration tests.
// Login and consent are driven over plain HTTP by `authorize()` / `deny()`, so a test can walk the
// same redirects a browser would without any UI.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Interaction, Provider as ProviderType } from 'oidc-provider';

export type OidcServerOptions = {
  clientId?: string;
  clientSecret?: string;
  redirectUris: string[];
  accessTokenTtl?: number;
  rotateRefreshToken?: boolean;
  scopes?: string[];
  tokenEndpointAuthMethod?: 'client_secret_post' | 'client_secret_basic';
};

export type FailureResponse = { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number; raw?: string };

export type OidcServer = {
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  revocationUrl: string;
  userInfoUrl: string;
  introspectionUrl: string;
  clientId: string;
  clientSecret: string;
  /** Signs in as `accountId` and consents; `withhold` scopes are unticked on the consent screen (not granted). */
  authorize(authorizationUrl: string, accountId: string, opts?: { withhold?: string[] }): Promise<Record<string, string>>;
  deny(authorizationUrl: string, accountId: string): Promise<Record<string, string>>;
  introspect(token: string): Promise<{ active: boolean; [k: string]: unknown }>;
  counts(): { tokenRequests: Record<string, number>; revocations: number };
  failNext(n: number, response: FailureResponse): void;
  /** An outage: every token request gets `response` (after any queued failNext ones) until called again without one. */
  setDown(response?: FailureResponse): void;
  close(): Promise<void>;
};

const ROUTES = { authorization: '/auth', token: '/token', revocation: '/token/revocation', introspection: '/token/introspection', userinfo: '/me' };
const INTERACTION = /^\/interaction\/([^/]+)$/;

type Decision = { accountId: string; allow: boolean; withhold: string[] };

export async function startOidcServer(options: OidcServerOptions): Promise<OidcServer> {
  const clientId = options.clientId ?? 'oc-client';
  const clientSecret = options.clientSecret ?? 'oc-client-secret-0123456789';
  const authMethod = options.tokenEndpointAuthMethod ?? 'client_secret_post';

  const decisions = new Map<string, Decision>(); // interaction uid -> what the simulated user does
  const failures: FailureResponse[] = []; // queued token endpoint failures (failNext)
  let down: FailureResponse | undefined; // setDown: the answer to every token request while set
  const tokenRequests: Record<string, number> = {};
  let revocations = 0;
  const closing = new AbortController(); // cancels pending failNext delays on close()

  // Listen first: the issuer must carry the real port. The request handler is attached once the
  // Provider (created with that issuer) exists.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', issuer);
    // failNext is answered here, before oidc-provider parses anything (it owns the body stream).
    if (pathname === ROUTES.token && req.method === 'POST' && (failures.length > 0 || down)) {
      const failure = failures.shift() ?? down!;
      const body = new URLSearchParams(await readBody(req));
      countGrant(body.get('grant_type'));
      if (failure.delayMs) {
        try {
          await sleep(failure.delayMs, undefined, { signal: closing.signal });
        } catch {
          res.destroy();
          return;
        }
      }
      if (res.destroyed) return; // the client gave up (timeout) while we waited
      res.setHeader('content-type', failure.raw === undefined ? 'application/json' : 'text/plain; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      for (const [name, value] of Object.entries(failure.headers ?? {})) res.setHeader(name, value);
      res.statusCode = failure.status;
      res.end(failure.raw ?? (failure.body === undefined ? '' : JSON.stringify(failure.body)));
      return;
    }
    const interaction = INTERACTION.exec(pathname);
    if (interaction && req.method === 'GET') return finishInteraction(req, res, interaction[1]);
    return oidcCallback(req, res);
  }

  // Our stand-in for the login + consent UI: it applies the decision authorize()/deny() recorded.
  async function finishInteraction(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const decision = decisions.get(uid);
    if (!decision) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('no decision recorded for this interaction; use authorize() or deny()');
      return;
    }
    const details: Interaction = await provider.interactionDetails(req, res);
    if (!decision.allow) {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'End-User denied the authorization request' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    // Grant everything that was asked for (so offline_access, hence a refresh token, is included),
    // except what the simulated user unticked.
    const grant = new provider.Grant({ accountId: decision.accountId, clientId: details.params.client_id });
    const asked = typeof details.params.scope === 'string' ? details.params.scope.split(' ') : [];
    const granted = asked.filter((s) => !decision.withhold.includes(s));
    if (granted.length) grant.addOIDCScope(granted.join(' '));
    const withheld = asked.filter((s) => decision.withhold.includes(s));
    if (withheld.length) grant.rejectOIDCScope(withheld.join(' ')); // declined, so not asked again
    const missingClaims = details.prompt.details.missingOIDCClaims as string[] | undefined;
    if (missingClaims) grant.addOIDCClaims(missingClaims);
    const missingResourceScopes = details.prompt.details.missingResourceScopes as Record<string, string[]> | undefined;
    for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId: decision.accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  function countGrant(grantType: unknown): void {
    const key = typeof grantType === 'string' && grantType ? grantType : '(missing)';
    tokenRequests[key] = (tokenRequests[key] ?? 0) + 1;
  }

  const { Provider } = await quietly(() => import('oidc-provider'));
  const provider: ProviderType = await quietly(
    async () =>
      new Provider(issuer, {
        clients: [
          {
            client_id: clientId,
            client_secret: clientSecret,
            redirect_uris: options.redirectUris,
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
            token_endpoint_auth_method: authMethod,
          },
        ],
        scopes: options.scopes ?? ['openid', 'profile', 'email', 'offline_access', 'api'],
        claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
        async findAccount(_ctx: unknown, sub: string) {
          return {
            accountId: sub,
            async claims() {
              return { sub, preferred_username: `user_${sub}`, name: `User ${sub}`, email: `${sub}@example.test`, email_verified: true };
            },
          };
        },
        routes: ROUTES,
        interactions: { url: async (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
        cookies: { keys: ['oidc-server-harness-cookie-key'] },
        pkce: { required: () => true }, // v9 only knows S256 (plain is rejected)
        features: {
          devInteractions: { enabled: false },
          introspection: { enabled: true, allowedPolicy: async () => true },
          revocation: {
            enabled: true,
            allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) => client.clientId === token.clientId,
          },
          userinfo: { enabled: true },
          resourceIndicators: { enabled: false }, // no resource parameter: opaque, introspectable access tokens
        },
        // Same rule as the default, stated explicitly: a refresh token only when offline_access was granted.
        issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }, code: { scopes: Set<string> }) =>
          client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
        rotateRefreshToken: options.rotateRefreshToken ?? true,
        clientBasedCORS: () => true,
        ttl: {
          AccessToken: options.accessTokenTtl ?? 3600,
          AuthorizationCode: 60,
          IdToken: 3600,
          RefreshToken: 14 * 24 * 3600,
          Interaction: 600,
          Session: 3600,
          Grant: 14 * 24 * 3600,
        },
        // Errors as JSON instead of an HTML page, so authorize() can report them.
        renderError: async (ctx: { type: string; body: unknown }, out: Record<string, string>) => {
          ctx.type = 'json';
          ctx.body = out;
        },
      }),
  );
  // Counts requests oidc-provider handled itself (it has parsed the body by the time next() returns).
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.method !== 'POST') return;
    if (ctx.path === ROUTES.token) countGrant(ctx.oidc?.body?.grant_type);
    else if (ctx.path === ROUTES.revocation) revocations += 1;
  });
  const oidcCallback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`oidc-server harness error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });

  // Follows redirects like a browser (cookie jar included) until the provider leaves its own origin,
  // i.e. redirects to the client's redirect_uri, and returns that redirect's query parameters.
  async function follow(authorizationUrl: string, accountId: string, allow: boolean, withhold: string[] = []): Promise<Record<string, string>> {
    const jar = new Map<string, string>();
    let url = new URL(authorizationUrl, issuer);
    for (let hop = 0; hop < 10; hop += 1) {
      if (url.origin !== issuer) return Object.fromEntries(url.searchParams);
      const uid = INTERACTION.exec(url.pathname)?.[1];
      if (uid) decisions.set(uid, { accountId, allow, withhold });
      const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
      const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const eq = pair.indexOf('=');
        const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
        if (value) jar.set(name, value);
        else jar.delete(name);
      }
      if (uid) decisions.delete(uid);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) {
        throw new Error(`authorization flow stopped at ${url.pathname} with HTTP ${res.status}: ${(await res.text()).slice(0, 500)}`);
      }
      await res.body?.cancel();
      url = new URL(location, url);
    }
    throw new Error('authorization flow: too many redirects');
  }

  function clientAuth(params: URLSearchParams): Record<string, string> {
    if (authMethod === 'client_secret_basic') {
      const encode = (value: string) => encodeURIComponent(value);
      return { authorization: `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}` };
    }
    params.set('client_id', clientId);
    params.set('client_secret', clientSecret);
    return {};
  }

  return {
    issuer,
    authorizationUrl: `${issuer}${ROUTES.authorization}`,
    tokenUrl: `${issuer}${ROUTES.token}`,
    revocationUrl: `${issuer}${ROUTES.revocation}`,
    userInfoUrl: `${issuer}${ROUTES.userinfo}`,
    introspectionUrl: `${issuer}${ROUTES.introspection}`,
    clientId,
    clientSecret,
    authorize: (authorizationUrl, accountId, opts) => follow(authorizationUrl, accountId, true, opts?.withhold),
    deny: (authorizationUrl, accountId) => follow(authorizationUrl, accountId, false),
    async introspect(token) {
      const params = new URLSearchParams({ token });
      const headers = clientAuth(params);
      const res = await fetch(`${issuer}${ROUTES.introspection}`, { method: 'POST', headers, body: params });
      if (!res.ok) throw new Error(`introspection failed with HTTP ${res.status}: ${await res.text()}`);
      return (await res.json()) as { active: boolean; [k: string]: unknown };
    },
    counts: () => ({ tokenRequests: { ...tokenRequests }, revocations }),
    failNext(n, response) {
      for (let i = 0; i < n; i += 1) failures.push(response);
    },
    setDown(response) {
      down = response;
    },
    async close() {
      closing.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// oidc-provider warns on import (Node < 22 "unsupported runtime") and on construction (in-memory
// adapter, development signing keys); all expected in tests, so keep them out of the test output.
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider WARNING')) return;
    warn(...args);
  };
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}
