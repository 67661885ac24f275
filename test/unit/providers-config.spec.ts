// Provider configuration: built-ins enabled by credentials in the environment, PROVIDERS_FILE
// overrides and custom providers (src/providers/providers-config.ts), and the problems the startup
// configuration reports for bad entries.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/config.error.js';
import { BUILT_IN_PROVIDERS } from '../../src/providers/provider-catalogue.js';
import { loadStartupConfig, type StartupConfig } from '../../src/startup-config.js';
import { TEST_SECRETS_ENV } from '../helpers/fake-provider.js';

type Env = Record<string, string>;

/** Loads the configuration with `file` (when given) as PROVIDERS_FILE. */
function load(file: Record<string, unknown> | undefined, env: Env = {}): StartupConfig {
  const dir = mkdtempSync(join(tmpdir(), 'oc-providers-config-'));
  const extra: Env = {};
  if (file) {
    extra.PROVIDERS_FILE = join(dir, 'providers.json');
    writeFileSync(extra.PROVIDERS_FILE, JSON.stringify(file));
  }
  return loadStartupConfig({ ...TEST_SECRETS_ENV, DATA_DIR: dir, ...extra, ...env });
}

function problemsOf(file: Record<string, unknown> | undefined, env: Env = {}): string[] {
  try {
    load(file, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected loadStartupConfig to fail');
}

const provider = (config: StartupConfig, id: string) => config.providers.find((p) => p.id === id);

const ACME = {
  authorizationUrl: 'https://sso.acme.example/authorize',
  tokenUrl: 'https://sso.acme.example/token',
  clientId: 'acme-id',
  clientSecret: 'acme-secret',
};

describe('custom providers', () => {
  it('a provider declared only in the file is enabled with the standard defaults', () => {
    const acme = provider(load({ acme: ACME }), 'acme');
    expect(acme).toEqual({
      id: 'acme',
      adapter: 'standard',
      assetKinds: [],
      displayName: 'acme',
      authorizationUrl: ACME.authorizationUrl,
      tokenUrl: ACME.tokenUrl,
      refreshUrl: ACME.tokenUrl,
      scopes: [],
      scopeSeparator: ' ',
      pkce: true,
      clientAuthMethod: 'client_secret_post',
      clientId: 'acme-id',
      clientSecret: 'acme-secret',
      authorizationParams: {},
      accountIdField: 'sub',
      usernameField: 'preferred_username',
      rotatesRefreshToken: false,
      refresh: 'refresh_token',
      minRefreshAgeMs: 0,
      requiredScopes: [],
      errorMap: [],
    });
  });

  it('keeps the fields it sets', () => {
    const acme = provider(
      load({
        acme: {
          ...ACME,
          refreshUrl: 'https://sso.acme.example/refresh',
          scopes: ['a', 'b'],
          pkce: false,
          clientAuthMethod: 'client_secret_basic',
          authorizationParams: { audience: 'api' },
        },
      }),
      'acme',
    )!;
    expect(acme).toMatchObject({
      refreshUrl: 'https://sso.acme.example/refresh',
      scopes: ['a', 'b'],
      pkce: false,
      clientAuthMethod: 'client_secret_basic',
      authorizationParams: { audience: 'api' },
    });
  });

  it('clientSecret "env:NAME" reads the variable', () => {
    expect(provider(load({ acme: { ...ACME, clientSecret: 'env:MY_SECRET' } }, { MY_SECRET: 'from-env' }), 'acme')!.clientSecret).toBe('from-env');
  });

  it('clientSecret "env:NAME" with the variable unset is a problem naming provider and field', () => {
    const problems = problemsOf({ acme: { ...ACME, clientSecret: 'env:MY_SECRET' } });
    expect(problems).toContainEqual(expect.stringMatching(/acme\.clientSecret.*MY_SECRET/));
  });

  it('an unknown field is a problem naming provider and field', () => {
    const problems = problemsOf({ acme: { ...ACME, tokenURL: 'https://sso.acme.example/token' } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/acme\.tokenURL is not a known field/);
  });

  it('a custom provider without tokenUrl is a problem', () => {
    const { tokenUrl: _tokenUrl, ...entry } = ACME;
    expect(problemsOf({ acme: entry })).toEqual([expect.stringMatching(/acme\.tokenUrl is required/)]);
  });

  it.each([
    ['scopes', 'openid profile', /acme\.scopes must be an array of strings/],
    ['requiredScopes', 'write', /acme\.requiredScopes must be an array of strings/],
    ['pkce', 'yes', /acme\.pkce must be true or false/],
    ['clientAuthMethod', 'private_key_jwt', /acme\.clientAuthMethod must be client_secret_post or client_secret_basic/],
    ['authorizationParams', { prompt: 1 }, /acme\.authorizationParams must be an object of string values/],
    ['userInfoUrl', 'not a url', /acme\.userInfoUrl is not a valid URL/],
  ])('a bad %s is a problem naming provider and field', (field, value, message) => {
    expect(problemsOf({ acme: { ...ACME, [field]: value } })).toContainEqual(expect.stringMatching(message));
  });

  it.each([
    'state',
    'redirect_uri',
    'code_challenge',
    'code_challenge_method',
    'client_id',
    'client_key',
    'response_type',
    'request',
    'request_uri',
    'State',
    'REDIRECT_URI',
  ])('authorizationParams.%s is refused, naming provider and field', (name) => {
    const problems = problemsOf({ acme: { ...ACME, authorizationParams: { prompt: 'consent', [name]: 'attacker-value' } } });
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^PROVIDERS_FILE: acme\\.authorizationParams\\.${name} is set by the connect flow and cannot be overridden`)),
    ]);
    expect(problems[0]).not.toContain('attacker-value');
  });

  it('a reserved parameter in a built-in override is refused too, and so is one in the authorizationUrl query', () => {
    const creds = { clientId: 'id', clientSecret: 'secret' };
    expect(problemsOf({ google: { ...creds, authorizationParams: { redirect_uri: 'https://evil.example/cb' } } })).toEqual([
      expect.stringMatching(/^PROVIDERS_FILE: google\.authorizationParams\.redirect_uri is set by the connect flow/),
    ]);
    expect(problemsOf({ acme: { ...ACME, authorizationUrl: 'https://sso.acme.example/authorize?tenant=t&state=fixed' } })).toEqual([
      expect.stringMatching(/^PROVIDERS_FILE: acme\.authorizationUrl carries state/),
    ]);
  });

  it('an http URL on a non-loopback host is a problem', () => {
    const problems = problemsOf({ acme: { ...ACME, tokenUrl: 'http://sso.acme.example/token' } });
    expect(problems).toContainEqual(expect.stringMatching(/acme\.tokenUrl must be an https URL/));
  });

  it('http on loopback is allowed outside production', () => {
    const acme = provider(load({ acme: { ...ACME, tokenUrl: 'http://127.0.0.1:8080/token', userInfoUrl: 'http://localhost:8080/me' } }), 'acme')!;
    expect(acme.tokenUrl).toBe('http://127.0.0.1:8080/token');
  });

  it('in production even an http loopback URL is a problem mentioning https', () => {
    const problems = problemsOf(
      { acme: { ...ACME, tokenUrl: 'http://127.0.0.1:8080/token' } },
      { NODE_ENV: 'production', DATABASE_URL: 'postgres://app:pw@db.example/app' },
    );
    expect(problems).toContainEqual(expect.stringMatching(/acme\.tokenUrl must be an https URL in production/));
    expect(problems.every((p) => /https URL in production/.test(p))).toBe(true);
  });

  it('an invalid platform id is a problem', () => {
    expect(problemsOf({ 'Acme Corp': ACME })).toContainEqual(expect.stringMatching(/"Acme Corp" is not a valid platform id/));
  });

  it('a secret never appears in a problem', () => {
    const problems = problemsOf({ acme: { ...ACME, clientSecret: 'super-secret-value', tokenUrl: 'http://evil.example/token', bogus: 1 } });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).not.toContain('super-secret-value');
  });
});

describe('built-in providers', () => {
  it('are disabled without credentials', () => {
    expect(load(undefined).providers).toEqual([]);
  });

  it('TikTok is enabled from TIKTOK_CLIENT_KEY/TIKTOK_CLIENT_SECRET and X from X_CLIENT_ID/X_CLIENT_SECRET, with the catalogue endpoints', () => {
    const config = load(undefined, { TIKTOK_CLIENT_KEY: 'tt-key', TIKTOK_CLIENT_SECRET: 'tt-secret', X_CLIENT_ID: 'x-id', X_CLIENT_SECRET: 'x-secret' });
    expect(config.providers.map((p) => p.id).sort()).toEqual(['tiktok', 'x']);
    expect(provider(config, 'tiktok')).toMatchObject({
      adapter: 'tiktok',
      clientId: 'tt-key',
      clientSecret: 'tt-secret',
      tokenUrl: BUILT_IN_PROVIDERS.tiktok!.tokenUrl,
      scopeSeparator: ',',
    });
    expect(provider(config, 'x')).toMatchObject({
      adapter: 'x',
      clientId: 'x-id',
      clientSecret: 'x-secret',
      clientAuthMethod: 'client_secret_basic',
      rotatesRefreshToken: true,
    });
  });

  it('TikTok reads TIKTOK_CLIENT_KEY, not TIKTOK_CLIENT_ID, and says so', () => {
    expect(problemsOf(undefined, { TIKTOK_CLIENT_ID: 'tt-key', TIKTOK_CLIENT_SECRET: 'tt-secret' })).toEqual([
      expect.stringMatching(/tiktok\.clientId is missing \(or set TIKTOK_CLIENT_KEY\)/),
    ]);
  });

  it('half of the credentials in the environment is a problem naming the missing variable', () => {
    expect(problemsOf(undefined, { X_CLIENT_ID: 'x-id' })).toEqual([expect.stringMatching(/x\.clientSecret is missing \(or set X_CLIENT_SECRET\)/)]);
  });

  it('a built-in in the file without credentials is a problem', () => {
    const problems = problemsOf({ linkedin: { scopes: ['openid'] } });
    expect(problems).toContainEqual(expect.stringMatching(/linkedin\.clientId is missing \(or set LINKEDIN_CLIENT_ID\)/));
    expect(problems).toContainEqual(expect.stringMatching(/linkedin\.clientSecret is missing \(or set LINKEDIN_CLIENT_SECRET\)/));
  });

  it('a file entry overrides fields and keeps the rest of the built-in; credentials may come from the environment', () => {
    const config = load(
      { google: { scopes: ['openid'], authorizationParams: { prompt: 'select_account' } } },
      { GOOGLE_CLIENT_ID: 'g-id', GOOGLE_CLIENT_SECRET: 'g-secret' },
    );
    expect(provider(config, 'google')).toMatchObject({
      clientId: 'g-id',
      scopes: ['openid'],
      tokenUrl: BUILT_IN_PROVIDERS.google!.tokenUrl,
      authorizationParams: { access_type: 'offline', prompt: 'select_account', include_granted_scopes: 'true' },
    });
  });

  it('the Graph API version is one setting: every Facebook URL names it', () => {
    const creds = { FACEBOOK_CLIENT_ID: 'fb-id', FACEBOOK_CLIENT_SECRET: 'fb-secret' };
    const facebook = provider(load(undefined, creds), 'facebook')!;
    expect(facebook.apiVersion).toBe('v26.0');
    for (const url of [facebook.authorizationUrl, facebook.tokenUrl, facebook.refreshUrl, facebook.revocationUrl!, facebook.userInfoUrl!])
      expect(url).toContain('.facebook.com/v26.0/');
    expect(provider(load({ facebook: { apiVersion: 'v25.0' } }, creds), 'facebook')!.tokenUrl).toBe('https://graph.facebook.com/v25.0/oauth/access_token');
    expect(problemsOf({ facebook: { apiVersion: '../v1' } }, creds)).toContainEqual(
      expect.stringMatching(/^PROVIDERS_FILE: facebook\.apiVersion must be a version/),
    );
    expect(problemsOf({ acme: { ...ACME, tokenUrl: 'https://sso.acme.example/{apiVersion}/token' } })).toEqual([
      expect.stringMatching(/acme\.tokenUrl names \{apiVersion\}, but no apiVersion is set/),
    ]);
  });

  it('requiredScopes must be among the scopes asked for', () => {
    const creds = { clientId: 'id', clientSecret: 'secret' };
    expect(problemsOf({ x: { ...creds, scopes: ['tweet.read', 'users.read'], requiredScopes: ['tweet.write'] } })).toEqual([
      expect.stringMatching(/^PROVIDERS_FILE: x\.requiredScopes has tweet\.write, which scopes does not request/),
    ]);
    expect(provider(load({ acme: { ...ACME, scopes: ['read', 'write'], requiredScopes: ['write'] } }), 'acme')!.requiredScopes).toEqual(['write']);
  });

  it('refreshUrl follows an overridden tokenUrl, except where the built-in refreshes elsewhere (Instagram)', () => {
    const creds = { clientId: 'id', clientSecret: 'secret' };
    const config = load({
      google: { ...creds, tokenUrl: 'http://127.0.0.1:9/token' },
      instagram: { ...creds, tokenUrl: 'http://127.0.0.1:9/oauth/access_token' },
    });
    expect(provider(config, 'google')!.refreshUrl).toBe('http://127.0.0.1:9/token');
    expect(provider(config, 'instagram')!.refreshUrl).toBe(BUILT_IN_PROVIDERS.instagram!.refreshUrl);
  });
});
