import { ConnectionAdminQueryRepository } from '../../src/connections/connection-admin-query.repository.js';
import { Connection } from '../../src/connections/connection.entity.js';
import { Secret } from '../../src/crypto/secret.js';
import { builtInOverrides } from '../helpers/fake-provider.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// "Expiring" is a grant that ends soon and that nothing renews without the user (issue 14): not a
// token the scheduler will simply refresh (which made every Google and demo connection "expiring").

const DAY = 86_400_000;
const creds = { clientId: 'client-id', clientSecret: 'client-secret' };

describe('expiring: ends within EXPIRY_WARNING and cannot be renewed silently', () => {
  let t: TestApp;
  // user → [platform, access expires in, refresh token?, refresh token expires in, status, expiring?]
  const cases: [string, string, number, boolean, number | null, 'active' | 'needs_reauth', boolean][] = [
    ['fb-soon', 'facebook', 3 * DAY, false, null, 'active', true], // 60-day token, nothing renews it
    ['fb-later', 'facebook', 30 * DAY, false, null, 'active', false],
    ['fb-lost', 'facebook', 3 * DAY, false, null, 'needs_reauth', false], // already needs the user: its own filter
    ['std-refreshable', 'std', 3_600_000, true, null, 'active', false], // the scheduler refreshes it
    ['std-no-refresh', 'std', 2 * DAY, false, null, 'active', true],
    ['std-refresh-ending', 'std', 3_600_000, true, 5 * DAY, 'active', true], // TikTok, Pinterest, LinkedIn
    ['std-refresh-later', 'std', 3_600_000, true, 100 * DAY, 'active', false],
    ['ig-soon', 'instagram', 3 * DAY, false, null, 'active', false], // ig_refresh_token extends it
  ];

  beforeAll(async () => {
    const file = writeProvidersFile({
      std: { authorizationUrl: 'http://127.0.0.1:9/a', tokenUrl: 'http://127.0.0.1:9/t', ...creds },
      facebook: builtInOverrides('facebook', 'http://127.0.0.1:9', creds),
      instagram: builtInOverrides('instagram', 'http://127.0.0.1:9', creds),
    });
    t = await startTestApp({ env: { PROVIDERS_FILE: file, REFRESH_CRON: 'off', EXPIRY_WARNING: '7d' } });
    const now = Date.now();
    for (const [user, platform, expiresIn, refresh, refreshExpiresIn, status] of cases) {
      await t.dataSource.getRepository(Connection).insert({
        userId: user,
        platform,
        accountId: user,
        status,
        accessToken: Secret.fromPlaintext(`at-${user}`),
        refreshToken: refresh ? Secret.fromPlaintext(`rt-${user}`) : null,
        accessTokenExpiresAt: new Date(now + expiresIn),
        refreshTokenExpiresAt: refreshExpiresIn === null ? null : new Date(now + refreshExpiresIn),
      });
    }
  });
  afterAll(() => t?.close());

  const expected = cases.filter((c) => c[6]).map((c) => c[0]);

  it('the admin filter lists exactly those', async () => {
    const page = await t.app.get(ConnectionAdminQueryRepository).list({ status: 'expiring', limit: 100 });
    expect(page.rows.map((r) => r.user_id).sort()).toEqual([...expected].sort());
  });

  it('the summary counts them per platform', async () => {
    const counts = await t.app.get(ConnectionAdminQueryRepository).countsByPlatform();
    expect(Object.fromEntries(counts.map((c) => [c.platform, c.expiring]))).toEqual({ facebook: 1, instagram: 0, std: 2 });
  });
});
