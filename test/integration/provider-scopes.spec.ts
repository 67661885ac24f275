// Built-in providers whose connect needs more than the token response: YouTube refuses a Google
// account without a channel, and Facebook's granted scopes come from debug_token (its token
// response names none, and users can untick permissions in the Login dialog).
import request from 'supertest';
import { builtInOverrides, type FakeProvider, type FakeReply, startFakeProvider } from '../helpers/fake-provider.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const creds = { clientId: 'client-id', clientSecret: 'client-secret' };

describe('connect: channels and granted scopes of the built-ins', () => {
  let fake: FakeProvider;
  let t: TestApp;
  let channels: FakeReply;
  let debugToken: FakeReply;

  beforeAll(async () => {
    fake = await startFakeProvider();
    fake.on('POST', '/token', {
      json: {
        access_token: 'g-at',
        refresh_token: 'g-rt',
        expires_in: 3599,
        scope:
          'https://www.googleapis.com/auth/youtube.readonly https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/yt-analytics.readonly',
        token_type: 'Bearer',
      },
    });
    fake.on('GET', '/youtube/v3/channels', () => channels);
    // Graph: the code exchange and the long-lived exchange share the token URL (GET).
    fake.on('GET', '/v26.0/oauth/access_token', (req) => ({
      json: {
        access_token: req.query.fb_exchange_token ? 'fb-long' : 'fb-short',
        token_type: 'bearer',
        expires_in: req.query.fb_exchange_token ? 5183944 : 5400,
      },
    }));
    fake.on('GET', '/v26.0/me', { json: { id: '10158000000000001', name: 'Fay Page-Owner' } });
    fake.on('GET', '/v26.0/debug_token', () => debugToken);
    const file = writeProvidersFile({
      youtube: builtInOverrides('youtube', fake.url, creds),
      facebook: builtInOverrides('facebook', fake.url, creds),
    });
    t = await startTestApp({ env: { PROVIDERS_FILE: file, REFRESH_CRON: 'off' } });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  async function callback(platform: string, user: string) {
    const res = await request(t.url)
      .get(`/social/${platform}/connect-url`)
      .set('Authorization', `Bearer ${t.userToken(user)}`)
      .expect(200);
    const state = new URL(res.body.url).searchParams.get('state')!;
    return request(t.url)
      .post(`/social/${platform}/connect`)
      .set('Authorization', `Bearer ${t.userToken(user)}`)
      .send({ code: 'the-code', state, ...(platform === 'youtube' ? { iss: 'https://accounts.google.com' } : {}) });
  }
  const stored = (user: string) =>
    t.dataSource.query('SELECT account_id, scopes, scopes_source FROM connections WHERE user_id = $1', [user]) as Promise<Record<string, unknown>[]>;

  // channels.list with mine=true answers `items` only when the account has a channel
  // (developers.google.com/youtube/v3/docs/channels/list, read 2026-12-03).
  it('YouTube: a Google account without a channel is refused with 400 no_channel and nothing is stored', async () => {
    channels = { json: { kind: 'youtube#channelListResponse', pageInfo: { totalResults: 0, resultsPerPage: 5 } } };
    const res = await callback('youtube', 'no-channel');
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 400, error: 'no_channel' });
    expect(res.body.message).toMatch(/no YouTube channel/);
    expect(await stored('no-channel')).toEqual([]);
  });

  it('YouTube: with a channel, the channel is the account', async () => {
    channels = {
      json: { kind: 'youtube#channelListResponse', items: [{ kind: 'youtube#channel', id: 'UC_x5XG1OV2P6uZZ5FSM9Ttw', snippet: { title: 'Fay Films' } }] },
    };
    const res = await callback('youtube', 'with-channel');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accountId: 'UC_x5XG1OV2P6uZZ5FSM9Ttw', username: 'Fay Films', missingScopes: [] });
  });

  // debug_token answers data.scopes, the permissions the user granted
  // (developers.facebook.com/docs/graph-api/reference/debug_token, read 2026-12-03).
  it('Facebook: granted scopes come from debug_token; unticked permissions show as missing', async () => {
    debugToken = {
      json: {
        data: {
          app_id: 'client-id',
          type: 'USER',
          is_valid: true,
          scopes: ['public_profile', 'pages_show_list', 'pages_read_engagement'],
          user_id: '10158000000000001',
        },
      },
    };
    const res = await callback('facebook', 'fb-user');
    expect(res.status).toBe(200);
    expect(res.body.missingScopes).toEqual(['pages_manage_posts', 'instagram_basic', 'instagram_content_publish']);
    expect(await stored('fb-user')).toEqual([
      { account_id: '10158000000000001', scopes: ['public_profile', 'pages_show_list', 'pages_read_engagement'], scopes_source: 'introspection' },
    ]);
    // The app token is the documented `app_id|app_secret`; the user token is the input.
    const [call] = fake.requestsTo('GET', '/v26.0/debug_token').slice(-1);
    expect(call!.query).toEqual({ input_token: 'fb-long', access_token: 'client-id|client-secret' });
  });

  it('Facebook: when debug_token fails, the connect still works and the scopes are the requested ones, marked assumed', async () => {
    debugToken = { status: 500, json: { error: { message: 'An unknown error has occurred.', type: 'OAuthException', code: 1 } } };
    const res = await callback('facebook', 'fb-assumed');
    expect(res.status).toBe(200);
    expect(res.body.missingScopes).toEqual([]);
    expect(await stored('fb-assumed')).toEqual([
      {
        account_id: '10158000000000001',
        scopes: ['public_profile', 'pages_show_list', 'pages_manage_posts', 'pages_read_engagement', 'instagram_basic', 'instagram_content_publish'],
        scopes_source: 'assumed',
      },
    ]);
    const list = (
      await request(t.url)
        .get('/social/connections')
        .set('Authorization', `Bearer ${t.userToken('fb-assumed')}`)
        .expect(200)
    ).body;
    expect(list[0].scopesSource).toBe('assumed');
  });
});
