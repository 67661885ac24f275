// Asset listings (Pages, organisations, channels) against fake servers: what a provider answers is checked, not trusted.
import { adapterFromFile, builtInOverrides as overrides, type FakeProvider, providerFailure as failure, startFakeProvider } from '../helpers/fake-provider.js';

let fake: FakeProvider;
beforeEach(async () => {
  fake = await startFakeProvider();
});
afterEach(() => fake.close());

describe('asset listings: what a provider answers is checked, not trusted', () => {
  const facebook = () => adapterFromFile('facebook', overrides('facebook', fake.url, { clientId: 'fb-app', clientSecret: 'fb-secret' })).adapter;
  const PAGES = new Set(['facebook_page', 'instagram_account'] as const);

  it('follows paging.next only on its own host: a next elsewhere would carry the user token away', async () => {
    fake.on('GET', '/v26.0/me/accounts', {
      json: {
        data: [{ id: '101', name: 'P', access_token: 'page-token', tasks: ['CREATE_CONTENT'] }],
        paging: { next: 'https://evil.example/collect?access_token=x' },
      },
    });
    const error = await failure(facebook().discoverAssets('EAAlong', PAGES));
    expect(error.failureClass).toBe('malformed');
    expect(error.message).not.toContain('EAAlong');
  });

  it('a data that is not a list, an entry that is not an object or has no id, is malformed; a bad picture URL is dropped', async () => {
    fake.on('GET', '/v26.0/me/accounts', { json: { data: { id: '101' } } });
    expect((await failure(facebook().discoverAssets('EAAlong', PAGES))).failureClass).toBe('malformed');
    fake.on('GET', '/v26.0/me/accounts', { json: { data: [null] } });
    expect((await failure(facebook().discoverAssets('EAAlong', PAGES))).failureClass).toBe('malformed');
    fake.on('GET', '/v26.0/me/accounts', { json: { data: [{ name: 'No id', access_token: 't' }] } });
    expect((await failure(facebook().discoverAssets('EAAlong', PAGES))).failureClass).toBe('malformed');
    fake.on('GET', '/v26.0/me/accounts', { json: { data: [{ id: '101', name: 'P', access_token: 't', picture: { data: { url: 'javascript:alert(1)' } } }] } });
    const {
      assets: [page],
    } = await facebook().discoverAssets('EAAlong', PAGES);
    expect(page).toMatchObject({ kind: 'facebook_page', externalId: '101', pictureUrl: null, capabilities: [] });
  });

  it('lists only the kinds asked for: without the Instagram permissions, no Instagram account', async () => {
    fake.on('GET', '/v26.0/me/accounts', {
      json: { data: [{ id: '101', name: 'P', access_token: 't', tasks: ['ANALYZE'], instagram_business_account: { id: '178', username: 'p.ig' } }] },
    });
    const { assets } = await facebook().discoverAssets('EAAlong', new Set(['facebook_page'] as const));
    expect(assets.map((a) => a.kind)).toEqual(['facebook_page']);
    const [call] = fake.requestsTo('GET', '/v26.0/me/accounts');
    expect(call!.query).toMatchObject({ access_token: 'EAAlong', limit: '100' });
    // Not even asked for: without its permission the field could fail the whole listing.
    expect(call!.query.fields).not.toContain('instagram_business_account');
  });

  it('a provider without assets lists none and calls nothing', async () => {
    const tiktok = adapterFromFile('tiktok', overrides('tiktok', fake.url, { clientId: 'k', clientSecret: 's' })).adapter;
    expect(await tiktok.discoverAssets('act.x', new Set(['facebook_page'] as const))).toEqual({ assets: [], complete: true });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('asset listings cut short are marked incomplete, so nothing is removed for them', () => {
  it('Facebook: more pages than a sync reads', async () => {
    const facebook = adapterFromFile('facebook', overrides('facebook', fake.url, { clientId: 'fb-app', clientSecret: 'fb-secret' })).adapter;
    let n = 0;
    fake.on('GET', '/v26.0/me/accounts', () => ({
      json: { data: [{ id: String(++n), name: `P${n}`, access_token: 't' }], paging: { next: `${fake.url}/v26.0/me/accounts?after=${n}` } },
    }));
    const listing = await facebook.discoverAssets('EAAlong', new Set(['facebook_page'] as const));
    expect(listing.complete).toBe(false);
    expect(listing.assets).toHaveLength(20);
  });

  it('LinkedIn: every page full; the name lookup refused leaves the organisations unnamed, not the sync failed', async () => {
    const scopes = ['openid', 'profile', 'email', 'w_member_social', 'r_organization_admin', 'w_organization_social'];
    const linkedin = adapterFromFile('linkedin', overrides('linkedin', fake.url, { clientId: 'li', clientSecret: 's', scopes })).adapter;
    fake.on('GET', '/rest/organizationAcls', (req) => ({
      json: {
        elements: Array.from({ length: 100 }, (_, i) => ({
          organization: `urn:li:organization:${Number(req.query.start) + i + 1}`,
          role: 'ANALYST',
          state: 'APPROVED',
        })),
      },
    }));
    fake.on('GET', '/rest/organizations', {
      status: 403,
      json: { status: 403, serviceErrorCode: 100, code: 'ACCESS_DENIED', message: 'Not enough permissions' },
    });
    const listing = await linkedin.discoverAssets('li-at', new Set(['linkedin_organization'] as const));
    expect(listing.complete).toBe(false);
    expect(listing.assets).toHaveLength(1000);
    expect(listing.assets[0]).toMatchObject({ externalId: '1', name: null, capabilities: ['analytics'] });
  });
});
