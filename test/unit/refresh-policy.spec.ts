import { RefreshPolicy } from '../../src/tokens/refresh-policy.js';
import { BUILT_IN_PROVIDERS, STANDARD_DEFAULTS as STANDARD } from '../../src/providers/provider-catalogue.js';

const H = 3_600_000;
const now = Date.parse('2026-11-25T12:00:00Z');
const conn = (expiresInMs: number | null, lifetimeMs: number, extra: object = {}) => ({
  accessTokenExpiresAt: expiresInMs === null ? null : new Date(now + expiresInMs),
  accessTokenIssuedAt: new Date(now + (expiresInMs ?? 0) - lifetimeMs),
  connectedAt: new Date(now - 100 * H),
  refreshToken: {} as never,
  ...extra,
});

describe('RefreshPolicy', () => {
  it('refreshes inside the window, capped at half the lifetime', () => {
    expect(RefreshPolicy.expiresWithin(conn(1.5 * H, 24 * H), 2 * H, now)).toBe(true);
    expect(RefreshPolicy.expiresWithin(conn(3 * H, 24 * H), 2 * H, now)).toBe(false);
    // A 1-hour token is not refreshed on every call: its window is 30 minutes.
    expect(RefreshPolicy.expiresWithin(conn(40 * 60_000, H), 2 * H, now)).toBe(false);
    expect(RefreshPolicy.expiresWithin(conn(20 * 60_000, H), 2 * H, now)).toBe(true);
    expect(RefreshPolicy.expiresWithin(conn(null, H), 2 * H, now)).toBe(false);
  });

  it('knows what can be refreshed without the user', () => {
    expect(RefreshPolicy.canRefresh(conn(H, H), STANDARD, now)).toBe(true);
    expect(RefreshPolicy.canRefresh(conn(H, H, { refreshToken: null }), STANDARD, now)).toBe(false);
    expect(RefreshPolicy.canRefresh(conn(H, H), BUILT_IN_PROVIDERS.facebook!, now)).toBe(false);
    // Instagram refreshes its access token itself, once it is 24 hours old.
    expect(RefreshPolicy.canRefresh(conn(50 * 24 * H, 60 * 24 * H, { refreshToken: null }), BUILT_IN_PROVIDERS.instagram!, now)).toBe(true);
    expect(RefreshPolicy.canRefresh(conn(60 * 24 * H - H, 60 * 24 * H, { refreshToken: null }), BUILT_IN_PROVIDERS.instagram!, now)).toBe(false);
  });

  it("reads each built-in provider's refresh behaviour from its catalogue entry", () => {
    const behaviour = Object.fromEntries(Object.entries(BUILT_IN_PROVIDERS).map(([id, p]) => [id, [p.refresh, p.minRefreshAgeMs, p.rotatesRefreshToken]]));
    expect(behaviour).toEqual({
      tiktok: ['refresh_token', 0, true],
      instagram: ['access_token', 24 * H, false],
      google: ['refresh_token', 0, false],
      youtube: ['refresh_token', 0, false],
      x: ['refresh_token', 0, true],
      linkedin: ['refresh_token', 0, false],
      facebook: ['none', 0, false],
      pinterest: ['refresh_token', 0, true],
      threads: ['access_token', 24 * H, false],
    });
    // Only the catalogue says a connection without a refresh token can still be renewed.
    expect(RefreshPolicy.renewable({ refreshToken: null }, BUILT_IN_PROVIDERS.instagram!)).toBe(true);
    expect(RefreshPolicy.renewable({ refreshToken: null }, STANDARD)).toBe(false);
    expect(RefreshPolicy.renewable({ refreshToken: {} as never }, BUILT_IN_PROVIDERS.facebook!)).toBe(false);
  });

  it('backs off exponentially with jitter, honouring Retry-After', () => {
    expect(RefreshPolicy.backoffMs(1, 0, () => 0)).toBe(15_000);
    expect(RefreshPolicy.backoffMs(1, 0, () => 1)).toBe(30_000);
    expect(RefreshPolicy.backoffMs(3, 0, () => 1)).toBe(120_000);
    expect(RefreshPolicy.backoffMs(30, 0, () => 1)).toBe(3_600_000);
    expect(RefreshPolicy.backoffMs(1, 600_000, () => 1)).toBe(600_000);
  });
});
