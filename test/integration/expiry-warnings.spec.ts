import { Connection } from '../../src/connections/connection.entity.js';
import { ExpiryWarningService } from '../../src/connections/expiry-warning.service.js';
import { Secret } from '../../src/crypto/secret.js';
import { builtInOverrides } from '../helpers/fake-provider.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { type Receiver, startReceiver } from '../helpers/webhook-receiver.js';

// connection.expiring (issue 15): once at EXPIRY_WARNING before a grant that nothing renews
// without the user ends, once more a day before, and again for a new end date.

const DAY = 86_400_000;
const creds = { clientId: 'client-id', clientSecret: 'client-secret' };

describe('connection.expiring warnings', () => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    const file = writeProvidersFile({
      std: { authorizationUrl: 'http://127.0.0.1:9/a', tokenUrl: 'http://127.0.0.1:9/t', ...creds },
      facebook: builtInOverrides('facebook', 'http://127.0.0.1:9', creds),
    });
    t = await startTestApp({
      env: {
        PROVIDERS_FILE: file,
        REFRESH_CRON: 'off',
        EXPIRY_WARNING: '7d',
        WEBHOOK_URL: `${receiver.url}/hooks`,
        WEBHOOK_SECRET: 'webhook-secret-for-tests-0123456789abcdef',
      },
    });
    const seed = async (user: string, platform: string, fields: Partial<Connection>) => {
      await t.dataSource.getRepository(Connection).insert({
        userId: user,
        platform,
        accountId: user,
        accessToken: Secret.fromPlaintext(`at-${user}`),
        refreshToken: null,
        accessTokenExpiresAt: new Date(Date.now() + 60 * DAY),
        ...fields,
      });
    };
    await seed('fb', 'facebook', { accessTokenExpiresAt: new Date(Date.now() + 5 * DAY) });
    await seed('tiktokish', 'std', {
      refreshToken: Secret.fromPlaintext('rt'),
      accessTokenExpiresAt: new Date(Date.now() + DAY),
      refreshTokenExpiresAt: new Date(Date.now() + 3 * DAY),
    });
    await seed('refreshable', 'std', { refreshToken: Secret.fromPlaintext('rt'), accessTokenExpiresAt: new Date(Date.now() + 3_600_000) });
    await seed('later', 'facebook', { accessTokenExpiresAt: new Date(Date.now() + 30 * DAY) });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const run = () => t.app.get(ExpiryWarningService).run(true);
  const warnings = async () =>
    (
      (await t.dataSource.query("SELECT payload FROM webhook_outbox WHERE event_type = 'connection.expiring' ORDER BY id")) as {
        payload: Record<string, string>;
      }[]
    ).map(({ payload }) => [payload.userId, payload.warning, payload.reason, payload.expiresAt]);
  const expiresAt = async (user: string, column: 'access_token_expires_at' | 'refresh_token_expires_at') =>
    new Date(((await t.dataSource.query(`SELECT ${column} AS at FROM connections WHERE user_id = $1`, [user])) as { at: string }[])[0]!.at).toISOString();

  it('warns once per connection whose grant ends within EXPIRY_WARNING and cannot be renewed silently', async () => {
    expect(await run()).toBe(2);
    expect((await warnings()).sort()).toEqual([
      ['fb', 'first', 'access_token_expires', await expiresAt('fb', 'access_token_expires_at')],
      ['tiktokish', 'first', 'refresh_token_expires', await expiresAt('tiktokish', 'refresh_token_expires_at')],
    ]);
    expect(await run()).toBe(0);
  });

  it('warns again one day before, and only once', async () => {
    await t.dataSource.query("UPDATE connections SET access_token_expires_at = now() + interval '12 hours' WHERE user_id = 'fb'");
    expect(await run()).toBe(1);
    expect((await warnings()).at(-1)).toEqual(['fb', 'final', 'access_token_expires', await expiresAt('fb', 'access_token_expires_at')]);
    expect(await run()).toBe(0);
  });

  it('a new end date (the user reconnected, then it nears its end again) starts the warnings again', async () => {
    await t.dataSource.query("UPDATE connections SET access_token_expires_at = now() + interval '60 days' WHERE user_id = 'fb'");
    expect(await run()).toBe(0);
    await t.dataSource.query("UPDATE connections SET access_token_expires_at = now() + interval '6 days' WHERE user_id = 'fb'");
    expect(await run()).toBe(1);
    expect((await warnings()).at(-1)).toEqual(['fb', 'first', 'access_token_expires', await expiresAt('fb', 'access_token_expires_at')]);
    expect((await warnings()).map((w) => w[0])).not.toContain('refreshable');
    expect((await warnings()).map((w) => w[0])).not.toContain('later');
  });
});
