// Assets (issue 17) against fake Graph API, LinkedIn and YouTube servers answering the documented
// requests: /me/accounts with cursor paging, Page tokens and instagram_business_account
// (developers.facebook.com/docs/graph-api/reference/user/accounts, pages/access-tokens, read
// 2026-12-04), organizationAcls with roles and the organization lookup (learn.microsoft.com/linkedin/
// marketing/community-management/organizations/organization-access-control-by-role), channels.list
// mine=true (developers.google.com/youtube/v3/docs/channels/list).
import request from 'supertest';
import { AssetSyncService } from '../../src/assets/asset-sync.service.js';
import { ConnectionGrantHooks } from '../../src/connections/connection-grant-hooks.service.js';
import { builtInOverrides, type FakeProvider, type RecordedRequest, startFakeProvider } from '../helpers/fake-provider.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const creds = { clientId: 'client-id', clientSecret: 'client-secret' };
const FB_SCOPES = ['public_profile', 'pages_show_list', 'pages_manage_posts', 'pages_read_engagement', 'instagram_basic', 'instagram_content_publish'];
const LI_SCOPES = ['openid', 'profile', 'email', 'w_member_social', 'r_organization_admin', 'w_organization_social'];

type Page = { id: string; name: string; tasks: string[]; ig?: { id: string; username: string } };

describe('assets: Pages, Instagram accounts, organisations and channels', () => {
  let fake: FakeProvider;
  let t: TestApp;
  // What the fake Graph API lists now, and the generation of the tokens it hands out.
  let pages: Page[];
  let generation = 1;
  let granted = FB_SCOPES;

  beforeAll(async () => {
    fake = await startFakeProvider();
    // Facebook Login: code and long-lived exchange on one GET endpoint; the user token names its generation.
    fake.on('GET', '/v26.0/oauth/access_token', (req) => ({
      json: req.query.fb_exchange_token
        ? { access_token: `fb-long-${generation}`, token_type: 'bearer', expires_in: 5183944 }
        : { access_token: `fb-short-${generation}`, token_type: 'bearer', expires_in: 5400 },
    }));
    fake.on('GET', '/v26.0/me', (req) => ({
      json: { id: req.query.access_token?.includes('other') ? '10150000000000002' : '10150000000000001', name: 'Fay' },
    }));
    fake.on('GET', '/v26.0/debug_token', () => ({ json: { data: { is_valid: true, type: 'USER', scopes: granted } } }));
    // Two pages of one result each, linked by paging.next (the cursor after the first).
    fake.on('GET', '/v26.0/me/accounts', (req) => {
      const token = req.query.access_token ?? '';
      if (!token.startsWith('fb-long')) return { status: 400, json: { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } } };
      const index = req.query.after === 'CURSOR1' ? 1 : 0;
      const p = pages[index];
      const data = p
        ? [
            {
              id: p.id,
              name: p.name,
              access_token: `page-${p.id}-token-${generation}`,
              tasks: p.tasks,
              category: 'Brand',
              picture: { data: { url: `https://scontent.example/${p.id}.jpg`, is_silhouette: false } },
              ...(p.ig ? { instagram_business_account: { id: p.ig.id, username: p.ig.username, profile_picture_url: 'https://scontent.example/ig.jpg' } } : {}),
            },
          ]
        : [];
      const next = index === 0 && pages.length > 1 ? `${fake.url}/v26.0/me/accounts?access_token=${token}&limit=100&after=CURSOR1` : undefined;
      return { json: { data, paging: { cursors: { before: 'CURSOR0', after: 'CURSOR1' }, ...(next ? { next } : {}) } } };
    });
    // LinkedIn.
    fake.on('POST', '/oauth/v2/accessToken', { json: { access_token: 'li-at', expires_in: 5183999, scope: LI_SCOPES.join(',') } });
    fake.on('GET', '/v2/userinfo', { json: { sub: 'li-member-1', name: 'Lee' } });
    fake.on('GET', '/rest/organizationAcls', {
      json: {
        paging: { start: 0, count: 100, links: [] },
        elements: [
          { roleAssignee: 'urn:li:person:li-member-1', state: 'APPROVED', role: 'ADMINISTRATOR', organization: 'urn:li:organization:11223344' },
          { roleAssignee: 'urn:li:person:li-member-1', state: 'APPROVED', role: 'ANALYST', organization: 'urn:li:organization:55667788' },
          { roleAssignee: 'urn:li:person:li-member-1', state: 'REQUESTED', role: 'ADMINISTRATOR', organization: 'urn:li:organization:99999999' },
        ],
      },
    });
    fake.on('GET', '/rest/organizations', {
      json: {
        results: {
          '11223344': { id: 11223344, localizedName: 'Acme Corp', vanityName: 'acme' },
          '55667788': { id: 55667788, localizedName: 'Acme Labs', vanityName: 'acme-labs' },
        },
        statuses: { '11223344': 200, '55667788': 200 },
        errors: {},
      },
    });
    // YouTube.
    fake.on('POST', '/token', {
      json: {
        access_token: 'yt-at',
        refresh_token: 'yt-rt',
        expires_in: 3599,
        scope:
          'https://www.googleapis.com/auth/youtube.readonly https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/yt-analytics.readonly',
      },
    });
    fake.on('GET', '/youtube/v3/channels', {
      json: {
        kind: 'youtube#channelListResponse',
        pageInfo: { totalResults: 1, resultsPerPage: 50 },
        items: [
          {
            kind: 'youtube#channel',
            id: 'UC_x5XG1OV2P6uZZ5FSM9Ttw',
            snippet: { title: 'Fay Films', thumbnails: { default: { url: 'https://yt3.example/fay.jpg' } } },
          },
        ],
      },
    });
    const file = writeProvidersFile({
      facebook: builtInOverrides('facebook', fake.url, creds),
      linkedin: builtInOverrides('linkedin', fake.url, { ...creds, scopes: LI_SCOPES }),
      youtube: builtInOverrides('youtube', fake.url, creds),
    });
    t = await startTestApp({
      env: {
        PROVIDERS_FILE: file,
        REFRESH_CRON: 'off',
        WEBHOOK_URL: 'http://127.0.0.1:9/hooks',
        WEBHOOK_SECRET: 'whsec_' + Buffer.alloc(24, 7).toString('base64'),
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  beforeEach(() => {
    pages = [
      {
        id: '101',
        name: 'Fay Bakery',
        tasks: ['ANALYZE', 'ADVERTISE', 'MODERATE', 'CREATE_CONTENT', 'MANAGE'],
        ig: { id: '17841400000000001', username: 'fay.bakery' },
      },
      { id: '102', name: 'Fay Fans', tasks: ['ANALYZE'] },
    ];
  });

  async function connect(platform: string, user: string): Promise<request.Response> {
    const url = await request(t.url)
      .get(`/social/${platform}/connect-url`)
      .set('Authorization', `Bearer ${t.userToken(user)}`)
      .expect(200);
    const state = new URL(url.body.url).searchParams.get('state');
    return request(t.url)
      .post(`/social/${platform}/connect`)
      .set('Authorization', `Bearer ${t.userToken(user)}`)
      .send({ code: `code-${user}`, state, ...(platform === 'youtube' ? { iss: 'https://accounts.google.com' } : {}) });
  }
  const assets = (user: string, connectionId: string) =>
    request(t.url)
      .get(`/social/connections/${connectionId}/assets`)
      .set('Authorization', `Bearer ${t.userToken(user)}`);
  const sync = (user: string, connectionId: string) =>
    request(t.url)
      .post(`/social/connections/${connectionId}/assets/sync`)
      .set('Authorization', `Bearer ${t.userToken(user)}`);
  const token = (platform: string, body: Record<string, unknown>) =>
    request(t.url)
      .post(`/social/${platform}/internal-token`)
      .set('Authorization', `Bearer ${t.serviceToken('publisher')}`)
      .send(body);
  const byName = (list: Record<string, unknown>[], name: string) => list.find((a) => a.name === name) as Record<string, unknown> & { assetId: string };
  const events = async (type: string) =>
    (await t.dataSource.query(`SELECT payload FROM webhook_outbox WHERE event_type = $1 ORDER BY id`, [type])).map((r: { payload: unknown }) => r.payload);
  // The user's listing is limited to one per 10 s per connection; a test that lists again starts a new window.
  const allowSync = (_connectionId: string) => t.dataSource.query(`DELETE FROM rate_limits WHERE bucket = 'asset-sync'`);

  let fbConnection: string;

  it('Facebook: the connect lists every Page through paging.next and the Instagram account linked to one; no token in the answer', async () => {
    const res = await connect('facebook', 'fay');
    expect(res.status).toBe(200);
    expect(res.body.missingScopes).toEqual([]);
    fbConnection = res.body.connectionId;
    const calls = fake.requestsTo('GET', '/v26.0/me/accounts');
    expect(calls).toHaveLength(2);
    expect(calls[0]!.query.fields).toContain('instagram_business_account{');
    expect(calls[1]!.query.after).toBe('CURSOR1');

    const list = await assets('fay', fbConnection).expect(200);
    expect(JSON.stringify(list.body)).not.toMatch(/token-1|fb-long/);
    expect(list.body.syncedAt).toEqual(expect.any(String));
    const summary = list.body.assets.map((a: Record<string, unknown>) => [a.kind, a.externalId, a.name, a.status, a.hasOwnToken, a.capabilities]);
    expect(summary).toEqual([
      ['facebook_page', '101', 'Fay Bakery', 'active', true, ['advertise', 'analytics', 'manage', 'moderate', 'publish']],
      ['facebook_page', '102', 'Fay Fans', 'active', true, ['analytics']],
      ['instagram_account', '17841400000000001', 'fay.bakery', 'active', false, ['advertise', 'analytics', 'manage', 'moderate', 'publish']],
    ]);
    expect(byName(list.body.assets, 'Fay Bakery').pictureUrl).toBe('https://scontent.example/101.jpg');
    const added = (await events('asset.added')) as { connectionId: string; asset: { kind: string; externalId: string } }[];
    expect(
      added
        .filter((e) => e.connectionId === fbConnection)
        .map((e) => e.asset.externalId)
        .sort(),
    ).toEqual(['101', '102', '17841400000000001']);
    // Stored encrypted, like every token.
    const [row] = await t.dataSource.query(`SELECT access_token FROM connection_assets WHERE external_id = '101'`);
    expect(row.access_token).not.toContain('page-101');
  });

  it('internal-token with assetId: a Page answers its Page token, an Instagram account the user token; both name the target', async () => {
    const list = (await assets('fay', fbConnection).expect(200)).body.assets;
    const page = await token('facebook', { userId: 'fay', assetId: byName(list, 'Fay Bakery').assetId }).expect(200);
    expect(page.body).toMatchObject({
      accessToken: 'page-101-token-1',
      expiresAt: null,
      connectionId: fbConnection,
      asset: { kind: 'facebook_page', externalId: '101', name: 'Fay Bakery', ownToken: true },
    });
    const ig = await token('facebook', { userId: 'fay', assetId: byName(list, 'fay.bakery').assetId }).expect(200);
    expect(ig.body).toMatchObject({ accessToken: 'fb-long-1', asset: { kind: 'instagram_account', externalId: '17841400000000001', ownToken: false } });
  });

  it("another user's job cannot have a Page token: 404 asset_not_found, as for an unknown id, another platform or another connection", async () => {
    const other = await connect('facebook', 'other-user');
    expect(other.status).toBe(200);
    const assetId = byName((await assets('fay', fbConnection).expect(200)).body.assets, 'Fay Bakery').assetId;
    for (const [platform, body] of [
      ['facebook', { userId: 'other-user', assetId }],
      ['facebook', { userId: 'fay', assetId: '00000000-0000-4000-8000-000000000000' }],
      ['facebook', { userId: 'fay', assetId, connectionId: other.body.connectionId }],
      ['youtube', { userId: 'fay', assetId }],
    ] as const) {
      const res = await token(platform, body);
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 404, error: 'asset_not_found' });
      expect(JSON.stringify(res.body)).not.toContain('page-101');
    }
    // And the assets of another user's connection are not listed to them.
    expect((await assets('other-user', fbConnection)).status).toBe(404);
    expect((await sync('other-user', fbConnection)).status).toBe(404);
  });

  it('a Page removed between two syncs is marked removed with asset.removed; its token is refused with 409 asset_removed', async () => {
    const before = (await assets('fay', fbConnection).expect(200)).body.assets;
    pages = pages.slice(0, 1);
    await allowSync(fbConnection);
    const res = await sync('fay', fbConnection).expect(200);
    expect({ added: res.body.added, removed: res.body.removed }).toEqual({ added: 0, removed: 1 });
    const fans = byName(res.body.assets, 'Fay Fans');
    expect(fans).toMatchObject({ status: 'removed', hasOwnToken: false, removedAt: expect.any(String) });
    const removed = (await events('asset.removed')) as { asset: { assetId: string } }[];
    expect(removed.map((e) => e.asset.assetId)).toEqual([byName(before, 'Fay Fans').assetId]);
    const refused = await token('facebook', { userId: 'fay', assetId: fans.assetId });
    expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 409, error: 'asset_removed' });

    // A second sync at once is throttled; listed again later, the Page comes back under the same assetId.
    expect((await sync('fay', fbConnection)).status).toBe(429);
    pages.push({ id: '102', name: 'Fay Fans', tasks: ['ANALYZE'] });
    await allowSync(fbConnection);
    const back = await sync('fay', fbConnection).expect(200);
    expect(back.body.added).toBe(1);
    expect(byName(back.body.assets, 'Fay Fans')).toMatchObject({ assetId: fans.assetId, status: 'active', hasOwnToken: true });
  });

  it('a reconnect with a new user token derives the Page tokens again', async () => {
    generation = 2;
    const res = await connect('facebook', 'fay');
    expect(res.body).toMatchObject({ connectionId: fbConnection, reconnected: true });
    const assetId = byName((await assets('fay', fbConnection).expect(200)).body.assets, 'Fay Bakery').assetId;
    const page = await token('facebook', { userId: 'fay', assetId }).expect(200);
    expect(page.body.accessToken).toBe('page-101-token-2');
  });

  it('the background sync lists due connections again (one claim, index range) and applies the difference', async () => {
    pages = [{ id: '101', name: 'Fay Bakery Ltd', tasks: ['CREATE_CONTENT'] }];
    await t.dataSource.query(`UPDATE asset_syncs SET next_sync_at = now() - interval '1 second' WHERE connection_id = $1`, [fbConnection]);
    const synced = await t.app.get(AssetSyncService).runOnce();
    expect(synced).toBe(1);
    const list = (await assets('fay', fbConnection).expect(200)).body.assets;
    expect(list.filter((a: { status: string }) => a.status === 'active').map((a: { name: string }) => a.name)).toEqual(['Fay Bakery Ltd']);
    expect(byName(list, 'Fay Bakery Ltd').capabilities).toEqual(['publish']);
    const [next] = await t.dataSource.query(`SELECT next_sync_at > now() + interval '23 hours' AS later FROM asset_syncs WHERE connection_id = $1`, [
      fbConnection,
    ]);
    expect(next.later).toBe(true);
  });

  it('a grant without the Instagram permissions shows them missing and lists no Instagram account', async () => {
    granted = FB_SCOPES.filter((s) => !s.startsWith('instagram_'));
    try {
      const res = await connect('facebook', 'no-ig');
      expect(res.body.missingScopes).toEqual(['instagram_basic', 'instagram_content_publish']);
      const list = (await assets('no-ig', res.body.connectionId).expect(200)).body.assets;
      expect(list.map((a: { kind: string }) => a.kind)).toEqual(['facebook_page', 'facebook_page']);
    } finally {
      granted = FB_SCOPES;
    }
  });

  it('LinkedIn: organisations the member has an approved role on, named by the lookup, with the versioned Rest.li headers', async () => {
    const res = await connect('linkedin', 'lee');
    expect(res.status).toBe(200);
    const [acl] = fake.requestsTo('GET', '/rest/organizationAcls');
    const headers = (r: RecordedRequest) => [r.headers['linkedin-version'], r.headers['x-restli-protocol-version'], r.headers.authorization];
    expect(headers(acl!)).toEqual(['202603', '2.0.0', 'Bearer li-at']);
    expect(acl!.query).toMatchObject({ q: 'roleAssignee', state: 'APPROVED', start: '0', count: '100' });
    const [lookup] = fake.requestsTo('GET', '/rest/organizations');
    expect(lookup!.query.ids).toBe('List(11223344,55667788)');
    const list = (await assets('lee', res.body.connectionId).expect(200)).body.assets;
    expect(list.map((a: Record<string, unknown>) => [a.kind, a.externalId, a.name, a.capabilities, a.hasOwnToken])).toEqual([
      ['linkedin_organization', '11223344', 'Acme Corp', ['analytics', 'manage', 'publish'], false],
      ['linkedin_organization', '55667788', 'Acme Labs', ['analytics'], false],
    ]);
    const answer = await token('linkedin', { userId: 'lee', assetId: byName(list, 'Acme Corp').assetId }).expect(200);
    expect(answer.body).toMatchObject({ accessToken: 'li-at', asset: { kind: 'linkedin_organization', externalId: '11223344', ownToken: false } });
  });

  it('YouTube: the channel the user chose is an asset; its token is the connection’s', async () => {
    const res = await connect('youtube', 'yuki');
    expect(res.status).toBe(200);
    const list = (await assets('yuki', res.body.connectionId).expect(200)).body.assets;
    expect(list).toEqual([
      expect.objectContaining({
        kind: 'youtube_channel',
        externalId: 'UC_x5XG1OV2P6uZZ5FSM9Ttw',
        name: 'Fay Films',
        pictureUrl: 'https://yt3.example/fay.jpg',
      }),
    ]);
    const answer = await token('youtube', { userId: 'yuki', assetId: list[0].assetId }).expect(200);
    expect(answer.body).toMatchObject({ accessToken: 'yt-at', asset: { kind: 'youtube_channel', ownToken: false } });
  });

  it('a provider failing the listing answers 424 with a stable code, keeps the assets, and backs off the background sync', async () => {
    // Google's documented quota answer is rate limiting (retry later); another 403 is a refusal.
    fake.on('GET', '/youtube/v3/channels', {
      status: 403,
      json: { error: { code: 403, message: 'The request cannot be completed because you have exceeded your quota.', errors: [{ reason: 'quotaExceeded' }] } },
    });
    const [c] = await t.dataSource.query(`SELECT id FROM connections WHERE user_id = 'yuki'`);
    await allowSync(c.id);
    const quota = await sync('yuki', c.id);
    expect({ status: quota.status, error: quota.body.error, retry: quota.headers['retry-after'] }).toEqual({
      status: 424,
      error: 'provider_unavailable',
      retry: expect.any(String),
    });
    fake.on('GET', '/youtube/v3/channels', {
      status: 403,
      json: { error: { code: 403, message: 'The request is not properly authorized.', errors: [{ reason: 'forbidden' }] } },
    });
    await allowSync(c.id);
    const res = await sync('yuki', c.id);
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 424, error: 'provider_error' });
    expect(res.body.message).not.toContain('authorized');
    // A third click within 10 s is refused before the provider is called, failed listings included.
    const calls = fake.requestsTo('GET', '/youtube/v3/channels').length;
    expect((await sync('yuki', c.id)).status).toBe(429);
    expect(fake.requestsTo('GET', '/youtube/v3/channels')).toHaveLength(calls);
    const list = (await assets('yuki', c.id).expect(200)).body;
    expect(list.assets).toHaveLength(1);
    expect(list.lastError).toBe('provider_error');
    const [state] = await t.dataSource.query(`SELECT failures, next_sync_at > now() AS later FROM asset_syncs WHERE connection_id = $1`, [c.id]);
    expect(state).toEqual({ failures: 2, later: true });
  });

  it('a listing cut short (more pages than a sync reads) adds what it saw and removes nothing', async () => {
    const before = (await assets('fay', fbConnection).expect(200)).body.assets.filter((a: { status: string }) => a.status === 'active');
    let n = 0;
    fake.on('GET', '/v26.0/me/accounts', () => ({
      json: { data: [{ id: `9${++n}`, name: `Extra ${n}`, access_token: 't', tasks: [] }], paging: { next: `${fake.url}/v26.0/me/accounts?after=${n}` } },
    }));
    await allowSync(fbConnection);
    const res = await sync('fay', fbConnection).expect(200);
    expect({ added: res.body.added, removed: res.body.removed }).toEqual({ added: 20, removed: 0 });
    const active = res.body.assets.filter((a: { status: string }) => a.status === 'active').map((a: { assetId: string }) => a.assetId);
    expect(active).toEqual(expect.arrayContaining(before.map((a: { assetId: string }) => a.assetId)));
  });

  it('a Page listed without its Page token is not answered with the user token: 409 asset_token_missing', async () => {
    fake.on('GET', '/v26.0/me/accounts', { json: { data: [{ id: '555', name: 'No task here', tasks: [] }] } });
    await allowSync(fbConnection);
    const listed = await sync('fay', fbConnection).expect(200);
    const page = byName(listed.body.assets, 'No task here');
    expect(page.hasOwnToken).toBe(false);
    const res = await token('facebook', { userId: 'fay', assetId: page.assetId });
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 409, error: 'asset_token_missing' });
    expect(JSON.stringify(res.body)).not.toContain('fb-long');
  });

  it('a listing that started before another one was applied is dropped (no old Page tokens come back)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let slow = true;
    fake.on('GET', '/v26.0/me/accounts', async () => {
      const old = slow;
      slow = false;
      if (old) await gate; // the first listing (the background's) answers only after the second was applied
      return { json: { data: [{ id: '101', name: old ? 'Old name' : 'New name', access_token: old ? 'page-101-stale' : 'page-101-fresh', tasks: [] }] } };
    });
    await t.dataSource.query(`UPDATE asset_syncs SET next_sync_at = now() - interval '1 second' WHERE connection_id = $1`, [fbConnection]);
    const background = t.app.get(AssetSyncService).runOnce();
    while (slow) await new Promise((r) => setTimeout(r, 20));
    await allowSync(fbConnection);
    await sync('fay', fbConnection).expect(200);
    release();
    await background;
    const page = byName((await assets('fay', fbConnection).expect(200)).body.assets, 'New name');
    expect(page.status).toBe('active');
    expect((await token('facebook', { userId: 'fay', assetId: page.assetId }).expect(200)).body.accessToken).toBe('page-101-fresh');
  });

  it('new tokens from a refresh schedule a listing at once where assets carry their own tokens (Page tokens), and not elsewhere', async () => {
    const hooks = t.app.get(ConnectionGrantHooks);
    const [yt] = await t.dataSource.query(`SELECT id FROM connections WHERE user_id = 'yuki'`);
    await t.dataSource.query(`UPDATE asset_syncs SET next_sync_at = now() + interval '1 day' WHERE connection_id = ANY($1::uuid[])`, [[fbConnection, yt.id]]);
    await hooks.granted({ connectionId: fbConnection, userId: 'fay', platform: 'facebook', how: 'refreshed' });
    await hooks.granted({ connectionId: yt.id, userId: 'yuki', platform: 'youtube', how: 'refreshed' });
    const due = await t.dataSource.query(`SELECT connection_id FROM asset_syncs WHERE next_sync_at <= now()`);
    expect(due.map((r: { connection_id: string }) => r.connection_id)).toEqual([fbConnection]);
  });

  it('the background leaves a switched-off platform alone until the next interval, and stops syncing a platform without assets', async () => {
    const q = (sql: string, params: unknown[] = []) => t.dataSource.query(sql, params);
    await q(`UPDATE asset_syncs SET next_sync_at = now() + interval '1 day'`);
    const [gone] = await q(`INSERT INTO connections (user_id, platform, access_token) VALUES ('old', 'switched-off', 'x') RETURNING id`);
    await q(`INSERT INTO connection_assets (connection_id, kind, external_id, name) VALUES ($1, 'facebook_page', '9', 'Kept')`, [gone.id]);
    await q(`INSERT INTO asset_syncs (connection_id, next_sync_at) VALUES ($1, now() - interval '1 second')`, [gone.id]);
    // LinkedIn without the organisation scopes granted reaches no assets: its row goes.
    const [li] = await q(`UPDATE connections SET scopes = '{openid,profile}' WHERE user_id = 'lee' RETURNING id`);
    await q(`UPDATE asset_syncs SET next_sync_at = now() - interval '1 second' WHERE connection_id = $1`, [li[0].id]);
    expect(await t.app.get(AssetSyncService).runOnce()).toBe(2);
    const [state] = await q(`SELECT last_error, next_sync_at > now() + interval '23 hours' AS later FROM asset_syncs WHERE connection_id = $1`, [gone.id]);
    expect(state).toEqual({ last_error: 'platform_disabled', later: true });
    expect(await q(`SELECT status FROM connection_assets WHERE connection_id = $1`, [gone.id])).toEqual([{ status: 'active' }]);
    expect(await q(`SELECT 1 FROM asset_syncs WHERE connection_id = $1`, [li[0].id])).toEqual([]);
    expect(await q(`SELECT DISTINCT status FROM connection_assets WHERE connection_id = $1`, [li[0].id])).toEqual([{ status: 'removed' }]);
  });

  it('deleting a connection deletes its assets', async () => {
    await request(t.url)
      .delete(`/social/connections/${fbConnection}`)
      .set('Authorization', `Bearer ${t.userToken('fay')}`)
      .expect(200);
    const [n] = await t.dataSource.query(`SELECT count(*)::int AS n FROM connection_assets WHERE connection_id = $1`, [fbConnection]);
    expect(n.n).toBe(0);
  });
});
