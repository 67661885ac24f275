import 'reflect-metadata';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOpenApi, createApp } from '../src/app.factory.js';
import { AppLogger } from '../src/common/app-logger.js';
import { loadStartupConfig } from '../src/startup-config.js';

// Writes the OpenAPI document of the running application to admin/src/api/openapi.json (or --out),
// the source of the admin UI's typed client (`npm run openapi:client`). The app is started on a
// throwaway embedded database with throwaway secrets: the document never depends on them.

export const DEFAULT_OPENAPI_FILE = 'admin/src/api/openapi.json';

/** Recursively sorts object keys (arrays keep their order), so the file only changes when the API does. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Starts the app, builds its OpenAPI document and returns it as stable, pretty JSON. */
export async function renderOpenApi(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'oc-openapi-'));
  try {
    const config = loadStartupConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      APP_URL: 'http://localhost:3000',
      TOKEN_ENCRYPTION_KEYS: `k1:${'0'.repeat(64)}`,
      SESSION_JWT_SECRET: 'openapi-export-session-secret-not-used-anywhere',
      SERVICE_JWT_SECRET: 'openapi-export-service-secret-not-used-anywhere',
      REFRESH_CRON: 'off',
      LOG_LEVEL: 'error',
    });
    const app = await createApp(config, { logger: new AppLogger('error', 'pretty') });
    try {
      return `${JSON.stringify(sortKeys(buildOpenApi(app)), null, 2)}\n`;
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function exportOpenApi(outFile: string): Promise<void> {
  const json = await renderOpenApi();
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, json);
}

function outArg(argv: string[]): string {
  const i = argv.indexOf('--out');
  return resolve(i >= 0 && argv[i + 1] ? argv[i + 1]! : DEFAULT_OPENAPI_FILE);
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const out = outArg(process.argv.slice(2));
  exportOpenApi(out).then(
    () => {
      process.stdout.write(`Wrote ${out}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`openapi export failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
