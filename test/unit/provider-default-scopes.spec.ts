// The default scopes of each built-in provider: what its authorization URL asks for (with the
// provider's separator), the publishing scopes a job needs (`requiredScopes`), and PROVIDERS_FILE
// choosing a smaller set. The sources of each list are named in src/providers/provider-catalogue.ts.
import { BUILT_IN_PROVIDERS } from '../../src/providers/provider-catalogue.js';
import { adapterFromFile, builtInOverrides } from '../helpers/fake-provider.js';

const REDIRECT = 'https://app.example.com/my/settings/social';
const CREDS = { clientId: 'client-id', clientSecret: 'client-secret' };
const G = 'https://www.googleapis.com/auth/';

// Read 2026-12-03: TikTok content-posting-api-get-started; Instagram API with Instagram Login;
// YouTube videos.insert; X v2 authentication mapping; LinkedIn Share on LinkedIn; Facebook Pages API
// manage-pages; Pinterest scopes; Threads get-started (read 2026-12-04).
const EXPECTED: Record<string, { scope: string; required: string[] }> = {
  tiktok: { scope: 'user.info.basic,user.info.profile,video.publish,video.upload', required: ['video.publish', 'video.upload'] },
  instagram: {
    scope: 'instagram_business_basic,instagram_business_content_publish,instagram_business_manage_insights',
    required: ['instagram_business_content_publish', 'instagram_business_manage_insights'],
  },
  google: { scope: 'openid email profile', required: [] },
  youtube: {
    scope: `${G}youtube.readonly ${G}youtube.upload ${G}yt-analytics.readonly`,
    required: [`${G}youtube.upload`, `${G}yt-analytics.readonly`, `${G}youtube.readonly`],
  },
  x: { scope: 'tweet.read users.read tweet.write media.write offline.access', required: ['tweet.write', 'media.write'] },
  linkedin: { scope: 'openid profile email w_member_social', required: ['w_member_social'] },
  // The scopes of the asset kinds (Pages, Instagram accounts, channels) are required once requested.
  facebook: {
    scope: 'public_profile,pages_show_list,pages_manage_posts,pages_read_engagement,instagram_basic,instagram_content_publish',
    required: ['pages_show_list', 'pages_manage_posts', 'pages_read_engagement', 'instagram_basic', 'instagram_content_publish'],
  },
  pinterest: { scope: 'user_accounts:read,boards:read,pins:read,pins:write', required: ['boards:read', 'pins:read', 'pins:write'] },
  threads: { scope: 'threads_basic,threads_content_publish,threads_manage_insights', required: ['threads_content_publish', 'threads_manage_insights'] },
};

describe('default publishing scopes', () => {
  it('covers every built-in provider', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(BUILT_IN_PROVIDERS).sort());
  });

  it.each(Object.entries(EXPECTED))('%s: the authorization URL asks for the publishing scopes with its separator', (id, { scope, required }) => {
    const { adapter, provider } = adapterFromFile(id, builtInOverrides(id, 'https://provider.example', CREDS));
    const url = new URL(adapter.authorizationUrl({ state: 'st', redirectUri: REDIRECT }));
    expect(url.searchParams.get('scope')).toBe(scope);
    expect(provider.requiredScopes).toEqual(required);
    // A job's scopes are among those asked for.
    expect(required.every((s) => provider.scopes.includes(s))).toBe(true);
  });

  it('PROVIDERS_FILE scopes choose a smaller set; the required scopes follow what is still asked for', () => {
    const { adapter, provider } = adapterFromFile(
      'tiktok',
      builtInOverrides('tiktok', 'https://provider.example', { ...CREDS, scopes: ['user.info.basic', 'video.upload'] }),
    );
    expect(new URL(adapter.authorizationUrl({ state: 'st', redirectUri: REDIRECT })).searchParams.get('scope')).toBe('user.info.basic,video.upload');
    expect(provider.requiredScopes).toEqual(['video.upload']);
  });

  it('PROVIDERS_FILE may name the required scopes itself', () => {
    const { provider } = adapterFromFile('x', builtInOverrides('x', 'https://provider.example', { ...CREDS, requiredScopes: ['tweet.write'] }));
    expect(provider.requiredScopes).toEqual(['tweet.write']);
  });
});
