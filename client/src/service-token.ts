import { signJwt } from '@ttoss/auth-core';

// The service verifies HS256 JWTs with aud "internal", a sub, iat, and exp - iat <= 900 s
// (src/auth/jwt-verifier.service.ts); an optional `platforms` claim narrows what they may read.
const AUDIENCE = 'internal';
export const MAX_SERVICE_TOKEN_TTL_SECONDS = 300;

export type ServiceTokenSource = {
  /** A service JWT with time left; minted or fetched again shortly before it expires. */
  get(): Promise<string>;
  /** Forgets the current JWT (after the service refused it). */
  invalidate(): void;
  /** Whether asking again can give a different JWT (getServiceToken); a minted one would be the same. */
  readonly external: boolean;
};

/** Renew when a third of the lifetime (at most 60 s) is left, so a JWT never expires in flight. */
function renewAt(issuedAtMs: number, expiresAtMs: number): number {
  return expiresAtMs - Math.min(60_000, (expiresAtMs - issuedAtMs) / 3);
}

/** exp and iat of a JWT, in ms; undefined for anything that does not look like one. */
function jwtTimes(token: string): { iat: number; exp: number } | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iat?: unknown; exp?: unknown };
    if (typeof claims.exp !== 'number') return undefined;
    const iat = typeof claims.iat === 'number' ? claims.iat : Math.floor(Date.now() / 1000);
    return { iat: iat * 1000, exp: claims.exp * 1000 };
  } catch {
    return undefined;
  }
}

export function serviceTokenSource(options: {
  serviceName?: string;
  serviceSecret?: string;
  getServiceToken?: () => string | Promise<string>;
  platforms?: string[];
  ttlSeconds: number;
}): ServiceTokenSource {
  const { serviceName, serviceSecret, getServiceToken, platforms, ttlSeconds } = options;
  let current: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const obtain = async (): Promise<string> => {
    if (serviceSecret !== undefined) {
      const payload: Record<string, unknown> = { sub: serviceName, aud: AUDIENCE };
      if (platforms?.length) payload.platforms = platforms;
      const token = signJwt({ payload, secret: serviceSecret, expiresInSeconds: ttlSeconds });
      // signJwt rounds iat down to the second: time the renewal from the claims, not from now.
      const times = jwtTimes(token)!;
      current = { token, renewAt: renewAt(times.iat, times.exp) };
      return token;
    }
    const token = await getServiceToken!();
    if (typeof token !== 'string' || token === '') throw new TypeError('getServiceToken must return a service JWT (a non-empty string)');
    const times = jwtTimes(token);
    // Without a readable exp the token cannot be judged: ask again for every request.
    current = times ? { token, renewAt: renewAt(times.iat, times.exp) } : undefined;
    return token;
  };

  return {
    get() {
      if (current && Date.now() < current.renewAt) return Promise.resolve(current.token);
      pending ??= obtain().finally(() => (pending = undefined));
      return pending;
    },
    invalidate() {
      current = undefined;
    },
    external: serviceSecret === undefined,
  };
}
