// DEMO_PROVIDER: when the development demo platform is configured and registered (src/demo),
// decided from the configuration alone; the demo driven over HTTP is test/integration/demo.spec.ts.
import { ConfigError } from '../../src/config/config.error.js';
import { loadStartupConfig } from '../../src/startup-config.js';
import { DemoModule } from '../../src/demo/demo.module.js';
import { DemoProviderController } from '../../src/demo/demo-provider.controller.js';
import { DevSessionController } from '../../src/demo/settings-page.controller.js';
import { baseTestEnv } from '../helpers/test-app.js';

describe('DEMO_PROVIDER', () => {
  const env = (over: Record<string, string>) =>
    baseTestEnv({ DATA_DIR: '/nonexistent', ...(over.NODE_ENV === 'production' ? { DATABASE_URL: 'postgres://app:pw@db.example/app' } : {}), ...over });
  const demoOf = (over: Record<string, string>) => loadStartupConfig(env(over)).providers.find((p) => p.id === 'demo');

  it('is off in test unless on, on in development only while no other provider is configured', () => {
    expect(demoOf({})).toBeUndefined();
    expect(demoOf({ DEMO_PROVIDER: 'on' })).toBeDefined();
    const dev = demoOf({ NODE_ENV: 'development', PORT: '4000' });
    expect(dev).toMatchObject({
      adapter: 'standard',
      displayName: 'Demo provider',
      authorizationUrl: 'http://localhost:4000/demo-provider/authorize',
      tokenUrl: 'http://localhost:4000/demo-provider/token',
      refreshUrl: 'http://localhost:4000/demo-provider/token',
      revocationUrl: 'http://localhost:4000/demo-provider/revoke',
      userInfoUrl: 'http://localhost:4000/demo-provider/userinfo',
      issuer: 'http://localhost:4000/demo-provider',
      scopes: ['profile', 'offline_access'],
      pkce: true,
      rotatesRefreshToken: true,
      refresh: 'refresh_token',
      minRefreshAgeMs: 0,
    });
    expect(dev!.clientSecret.length).toBeGreaterThanOrEqual(32);
    expect(demoOf({ NODE_ENV: 'development', X_CLIENT_ID: 'x', X_CLIENT_SECRET: 'y' })).toBeUndefined();
    expect(demoOf({ NODE_ENV: 'development', DEMO_PROVIDER: 'off' })).toBeUndefined();
  });

  it('is never enabled in production, and DEMO_PROVIDER=on there is a configuration error', () => {
    expect(demoOf({ NODE_ENV: 'production' })).toBeUndefined();
    let error: unknown;
    try {
      loadStartupConfig(env({ NODE_ENV: 'production', DEMO_PROVIDER: 'on' }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.filter((p) => p.includes('DEMO_PROVIDER'))).toHaveLength(1);
    expect(() => loadStartupConfig(env({ DEMO_PROVIDER: 'sometimes' }))).toThrow(/DEMO_PROVIDER must be one of auto, on, off/);
  });

  it('in production registers neither the demo provider nor the development session', () => {
    const config = loadStartupConfig(env({ NODE_ENV: 'production' }));
    const controllers = DemoModule.forRoot({ ...config, demoProvider: { ...config.demoProvider, enabled: true } }).controllers!;
    expect(controllers).not.toContain(DemoProviderController);
    expect(controllers).not.toContain(DevSessionController);
  });
});
