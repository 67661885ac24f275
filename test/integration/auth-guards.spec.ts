import { createHmac } from 'node:crypto';
import { signJwt } from '@ttoss/auth-core';
import request from 'supertest';
import { SERVICE_SECRET, SESSION_SECRET, startTestApp, type TestApp } from '../helpers/test-app.js';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** Hand-built JWT so tests can forge headers and claims signJwt would never produce. */
function forge(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string | null): string {
  const body = `${b64(header)}.${b64(payload)}`;
  const sig = secret === null ? '' : createHmac('sha256', secret).update(body).digest('base64url');
  return `${body}.${sig}`;
}

describe('authentication guards', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const get = (path: string, token?: string) => {
    const r = request(t.url).get(path);
    return token === undefined ? r : r.set('Authorization', `Bearer ${token}`);
  };

  async function expectRejected(path: string, token: string | undefined, status: 401 | 403, message: RegExp) {
    const res = await get(path, token).expect(status);
    expect(res.body).toEqual({ statusCode: status, error: status === 401 ? 'unauthorized' : 'forbidden', message: expect.stringMatching(message) });
    if (token) expect(JSON.stringify(res.body)).not.toContain(token);
    return res;
  }

  describe('UserSession', () => {
    it('accepts a valid session and passes the user id to the handler', async () => {
      await get('/auth/session', t.userToken('user-42')).expect(200, { userId: 'user-42', admin: false });
    });

    it('rejects a missing header', async () => {
      const res = await expectRejected('/auth/session', undefined, 401, /Missing Authorization/);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });

    it('rejects a non-bearer or malformed header', async () => {
      await request(t.url).get('/auth/session').set('Authorization', 'Basic dXNlcjpwYXNz').expect(401);
      await expectRejected('/auth/session', 'not-a-jwt', 401, /must be "Bearer <jwt>"/);
      await expectRejected('/auth/session', 'a.b.c', 401, /Invalid or expired session token/);
    });

    it('rejects a wrong signature', async () => {
      await expectRejected(
        '/auth/session',
        signJwt({ payload: { sub: 'u' }, secret: 'another-secret-another-secret-12', expiresInSeconds: 60 }),
        401,
        /Invalid or expired/,
      );
    });

    it('rejects alg none', async () => {
      await expectRejected('/auth/session', forge({ alg: 'none', typ: 'JWT' }, { sub: 'u', exp: now() + 60 }, null), 401, /Invalid or expired/);
      // Even with a valid HS256 signature the header must say HS256.
      await expectRejected('/auth/session', forge({ alg: 'none' }, { sub: 'u', exp: now() + 60 }, SESSION_SECRET), 401, /Invalid or expired/);
    });

    it('rejects HS/RS confusion: an RS256 header signed with the shared secret', async () => {
      await expectRejected('/auth/session', forge({ alg: 'RS256', typ: 'JWT' }, { sub: 'u', exp: now() + 60 }, SESSION_SECRET), 401, /Invalid or expired/);
      await expectRejected(
        '/auth/service',
        forge({ alg: 'RS256' }, { sub: 'svc', aud: 'internal', iat: now(), exp: now() + 60 }, SERVICE_SECRET),
        401,
        /Invalid or expired/,
      );
    });

    it('rejects an expired token and one without exp', async () => {
      await expectRejected(
        '/auth/session',
        forge({ alg: 'HS256' }, { sub: 'u', iat: now() - 100, exp: now() - 10 }, SESSION_SECRET),
        401,
        /Invalid or expired/,
      );
      await expectRejected('/auth/session', signJwt({ payload: { sub: 'u' }, secret: SESSION_SECRET }), 401, /must carry exp/);
    });

    it('rejects a missing, empty or oversized sub', async () => {
      for (const sub of [undefined, '', 'x'.repeat(256), 42]) {
        await expectRejected('/auth/session', forge({ alg: 'HS256' }, { sub, iat: now(), exp: now() + 60 }, SESSION_SECRET), 401, /sub must be a user id/);
      }
    });

    it('rejects a token issued in the future', async () => {
      await expectRejected('/auth/session', forge({ alg: 'HS256' }, { sub: 'u', iat: now() + 3600, exp: now() + 7200 }, SESSION_SECRET), 401, /future/);
    });

    it('honours nbf: a token not valid yet is refused, with the same 30 s skew as iat', async () => {
      await expectRejected(
        '/auth/session',
        forge({ alg: 'HS256' }, { sub: 'u', iat: now(), nbf: now() + 120, exp: now() + 600 }, SESSION_SECRET),
        401,
        /not valid yet \(nbf\)/,
      );
      await expectRejected(
        '/auth/session',
        forge({ alg: 'HS256' }, { sub: 'u', iat: now(), nbf: 'soon', exp: now() + 600 }, SESSION_SECRET),
        401,
        /not valid yet/,
      );
      await get('/auth/session', forge({ alg: 'HS256' }, { sub: 'u', iat: now(), nbf: now() + 20, exp: now() + 600 }, SESSION_SECRET)).expect(200);
      await get('/auth/session', forge({ alg: 'HS256' }, { sub: 'u', iat: now() - 60, nbf: now() - 60, exp: now() + 600 }, SESSION_SECRET)).expect(200);
    });

    it('requires iat on a session token', async () => {
      await expectRejected('/auth/session', forge({ alg: 'HS256' }, { sub: 'u', exp: now() + 60 }, SESSION_SECRET), 401, /session token must carry iat/);
    });

    it('refuses a session token living longer than SESSION_JWT_MAX_TTL (24 h by default)', async () => {
      const res = await expectRejected(
        '/auth/session',
        signJwt({ payload: { sub: 'u' }, secret: SESSION_SECRET, expiresInSeconds: 86_401 }),
        401,
        /lives longer than 86400 seconds \(SESSION_JWT_MAX_TTL\)/,
      );
      expect(res.body.message).toMatch(/shorter exp/);
      await expectRejected(
        '/auth/session',
        forge({ alg: 'HS256' }, { sub: 'u', iat: now() - 86_000, exp: now() + 3600 }, SESSION_SECRET),
        401,
        /SESSION_JWT_MAX_TTL/,
      );
      await get('/auth/session', signJwt({ payload: { sub: 'u' }, secret: SESSION_SECRET, expiresInSeconds: 86_400 })).expect(200);
    });

    it('rejects a service token', async () => {
      await expectRejected('/auth/session', t.serviceToken('publisher'), 401, /Invalid or expired session token/);
    });
  });

  describe('ServiceAuth', () => {
    it('accepts a short-lived internal token and exposes its platforms', async () => {
      await get('/auth/service', t.serviceToken('publisher', { platforms: ['tiktok'] })).expect(200, { service: 'publisher', platforms: ['tiktok'] });
    });

    it('rejects a session token', async () => {
      await expectRejected('/auth/service', t.userToken('user-1'), 401, /Invalid or expired service token/);
    });

    it('rejects a wrong or missing aud', async () => {
      await expectRejected(
        '/auth/service',
        signJwt({ payload: { sub: 'svc', aud: 'public' }, secret: SERVICE_SECRET, expiresInSeconds: 60 }),
        401,
        /aud must be "internal"/,
      );
      await expectRejected('/auth/service', signJwt({ payload: { sub: 'svc' }, secret: SERVICE_SECRET, expiresInSeconds: 60 }), 401, /aud must be "internal"/);
    });

    it('rejects a token living longer than 15 minutes', async () => {
      await expectRejected(
        '/auth/service',
        signJwt({ payload: { sub: 'svc', aud: 'internal' }, secret: SERVICE_SECRET, expiresInSeconds: 901 }),
        401,
        /longer than 900 seconds/,
      );
      await get('/auth/service', signJwt({ payload: { sub: 'svc', aud: 'internal' }, secret: SERVICE_SECRET, expiresInSeconds: 900 })).expect(200);
    });

    it('rejects a token issued in the future, one without iat, and one without sub', async () => {
      await expectRejected(
        '/auth/service',
        forge({ alg: 'HS256' }, { sub: 'svc', aud: 'internal', iat: now() + 600, exp: now() + 900 }, SERVICE_SECRET),
        401,
        /future/,
      );
      await expectRejected('/auth/service', forge({ alg: 'HS256' }, { sub: 'svc', aud: 'internal', exp: now() + 60 }, SERVICE_SECRET), 401, /must carry iat/);
      await expectRejected('/auth/service', forge({ alg: 'HS256' }, { aud: 'internal', iat: now(), exp: now() + 60 }, SERVICE_SECRET), 401, /name the service/);
    });

    it('honours nbf on a service token', async () => {
      await expectRejected(
        '/auth/service',
        forge({ alg: 'HS256' }, { sub: 'svc', aud: 'internal', iat: now(), nbf: now() + 300, exp: now() + 600 }, SERVICE_SECRET),
        401,
        /service token is not valid yet/,
      );
      await get('/auth/service', forge({ alg: 'HS256' }, { sub: 'svc', aud: 'internal', iat: now(), nbf: now(), exp: now() + 600 }, SERVICE_SECRET)).expect(
        200,
      );
    });

    it('rejects a malformed platforms claim', async () => {
      await expectRejected(
        '/auth/service',
        forge({ alg: 'HS256' }, { sub: 's', aud: 'internal', iat: now(), exp: now() + 60, platforms: 'x' }, SERVICE_SECRET),
        401,
        /platforms/,
      );
    });
  });

  describe('Admin', () => {
    it('accepts an admin API key and refuses a plain session with 403', async () => {
      const res = await get('/auth/admin', await t.adminKey()).expect(200);
      expect(res.body).toEqual({ userId: expect.stringMatching(/^admin:[0-9a-f-]{36}$/), admin: true });
      await expectRejected('/auth/admin', t.userToken('someone'), 403, /needs an admin: create an admin API key/);
      await expectRejected('/auth/admin', undefined, 401, /Missing/);
      await expectRejected('/auth/admin', t.serviceToken('svc'), 401, /Invalid or expired/);
    });

    it('refuses a session JWT with role admin unless ADMIN_SESSION_JWT=true, saying how to get an API key', async () => {
      await expectRejected(
        '/auth/admin',
        t.userToken('root', { admin: true }),
        403,
        /refused unless ADMIN_SESSION_JWT=true; create an admin API key with npm run admin:create/,
      );
    });

    it('refuses unknown, malformed and truncated API keys with 401', async () => {
      const key = await t.adminKey();
      await expectRejected('/auth/admin', `oca_${'0'.repeat(64)}`, 401, /Unknown or revoked admin API key/);
      await expectRejected('/auth/admin', key.slice(0, -1), 401, /must be "Bearer <admin API key>"/);
      await expectRejected('/auth/admin', key.toUpperCase(), 401, /must be "Bearer <admin API key>"/);
      await request(t.url).get('/auth/admin').set('Authorization', key).expect(401);
    });
  });
});

describe('ADMIN_SESSION_JWT=true (opt-in for existing setups)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ADMIN_SESSION_JWT: 'true' } });
  });
  afterAll(() => t?.close());

  it('accepts a session JWT with role admin, still within SESSION_JWT_MAX_TTL', async () => {
    const bearer = (token: string) => request(t.url).get('/auth/admin').set('Authorization', `Bearer ${token}`);
    await bearer(t.userToken('root', { admin: true })).expect(200, { userId: 'root', admin: true });
    await bearer(t.userToken('someone')).expect(403);
    await bearer(signJwt({ payload: { sub: 'root', role: 'admin' }, secret: SESSION_SECRET, expiresInSeconds: 86_401 })).expect(401);
  });
});

describe('SESSION_JWT_MAX_TTL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SESSION_JWT_MAX_TTL: '1h' } });
  });
  afterAll(() => t?.close());

  it('is configurable', async () => {
    const long = signJwt({ payload: { sub: 'u' }, secret: SESSION_SECRET, expiresInSeconds: 3601 });
    const res = await request(t.url).get('/auth/session').set('Authorization', `Bearer ${long}`).expect(401);
    expect(res.body.message).toMatch(/longer than 3600 seconds/);
    await request(t.url)
      .get('/auth/session')
      .set('Authorization', `Bearer ${signJwt({ payload: { sub: 'u' }, secret: SESSION_SECRET, expiresInSeconds: 3600 })}`)
      .expect(200);
  });
});
