// Verified service tokens are remembered until their exp, so a job reusing its token is checked
// once; an expired one is refused again, another secret's never passes, and the cache is bounded.
import { jest } from '@jest/globals';
import type { AppConfig } from '../../src/config/config.types.js';
import { JwtVerifierService } from '../../src/auth/jwt-verifier.service.js';
import { TokenIssuerService } from '../../src/auth/token-issuer.service.js';

const SECRET = 'service-secret-for-tests-0123456789abcdef';
const verifier = () => new JwtVerifierService({ serviceJwtSecret: SECRET } as AppConfig);

describe('service token verification cache', () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers the same principal for a reused token, frozen so no caller can change it', () => {
    const v = verifier();
    const token = TokenIssuerService.service(SECRET, { sub: 'publisher', platforms: ['tiktok'] });
    const first = v.verifyService(token);
    expect(first).toEqual({ kind: 'service', service: 'publisher', platforms: ['tiktok'] });
    expect(v.verifyService(token)).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.platforms)).toBe(true);
  });

  it('refuses a remembered token once its exp has passed', () => {
    const v = verifier();
    const token = TokenIssuerService.service(SECRET, { sub: 'publisher', ttl: 60 });
    v.verifyService(token);
    const later = Date.now() + 61_000;
    jest.spyOn(Date, 'now').mockReturnValue(later);
    expect(() => v.verifyService(token)).toThrow(/Invalid or expired service token/);
  });

  it('never remembers a refused token, and stays bounded', () => {
    const v = verifier();
    const forged = TokenIssuerService.service('another-secret-0123456789abcdef0123456789', { sub: 'publisher' });
    expect(() => v.verifyService(forged)).toThrow(/Invalid or expired/);
    expect(() => v.verifyService(forged)).toThrow(/Invalid or expired/);
    for (let i = 0; i < 1100; i++) v.verifyService(TokenIssuerService.service(SECRET, { sub: `job-${i}` }));
    expect((v as unknown as { verifiedServices: Map<string, unknown> }).verifiedServices.size).toBe(1000);
  });
});
