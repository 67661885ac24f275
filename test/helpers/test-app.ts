import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createApp, listen } from '../../src/app.factory.js';
import { randomBytes } from 'node:crypto';
import { AdminApiKeyService } from '../../src/auth/admin-api-key.service.js';
import { AdminSessionService } from '../../src/auth/admin-session.service.js';
import { TokenIssuerService } from '../../src/auth/token-issuer.service.js';
import { AppLogger } from '../../src/common/app-logger.js';
import type { Env } from '../../src/config/load-config.js';
import { loadStartupConfig, type StartupConfig } from '../../src/startup-config.js';
import { createTestDb, type TestDb } from './test-db.js';

export const TEST_KEY_1 = 'a'.repeat(64);
export const TEST_KEY_2 = 'b'.repeat(64);
export const SESSION_SECRET = 'session-secret-for-tests-0123456789abcdef';
export const SERVICE_SECRET = 'service-secret-for-tests-0123456789abcdef';

export type TestApp = {
  app: NestFastifyApplication;
  url: string;
  /** The INTERNAL_PORT server's URL, when INTERNAL_PORT is set. */
  internalUrl?: string;
  config: StartupConfig;
  dataSource: DataSource;
  db: TestDb;
  logs: string[];
  /** A user session JWT. `admin: true` adds role "admin", which admin routes accept only with ADMIN_SESSION_JWT=true. */
  userToken: (sub: string, opts?: { admin?: boolean }) => string;
  /** An admin API key (`Authorization: Bearer <key>`) of a test admin created on first use. */
  adminKey: () => Promise<string>;
  serviceToken: (sub: string, opts?: { platforms?: string[]; ttl?: number }) => string;
  close: () => Promise<void>;
};

export function baseTestEnv(overrides: Env = {}): Env {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    TOKEN_ENCRYPTION_KEYS: `k1:${TEST_KEY_1}`,
    SESSION_JWT_SECRET: SESSION_SECRET,
    SERVICE_JWT_SECRET: SERVICE_SECRET,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    ...overrides,
  };
}

/** Starts the real application on a fresh database (or `db`, to share one between instances). */
export async function startTestApp(options: { env?: Env; db?: TestDb; logFormat?: 'json' | 'pretty' } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'oc-test-'));
  const ownDb = !options.db;
  const db = options.db ?? (await createTestDb());
  const config = loadStartupConfig(baseTestEnv({ DATA_DIR: dataDir, DATABASE_URL: db.url, ...options.env }));
  const logs: string[] = [];
  const app = await createApp(config, { logger: new AppLogger(config.logLevel, options.logFormat ?? 'json', (line) => logs.push(line)) });
  const internal = await listen(app, config, config.port, '127.0.0.1'); // PORT defaults to 0 (any free port)
  const address = app.getHttpServer().address() as { port: number };
  let adminKey: Promise<string> | undefined;
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    internalUrl: internal && `http://127.0.0.1:${(internal.address() as { port: number }).port}`,
    config,
    dataSource: app.get(DataSource),
    db,
    logs,
    userToken: (sub, opts) => TokenIssuerService.session(config.sessionJwtSecret, { sub, admin: opts?.admin }),
    adminKey: () =>
      (adminKey ??= app
        .get(AdminSessionService)
        .createAdmin(`test-admin-${randomBytes(4).toString('hex')}@localhost`, randomBytes(18).toString('base64url'))
        .then(async (admin) => (await app.get(AdminApiKeyService).issue(admin.id)).key)),
    serviceToken: (sub, opts) => TokenIssuerService.service(config.serviceJwtSecret, { sub, ...opts }),
    close: async () => {
      await app.close();
      if (ownDb) await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
