import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { DEFAULT_OPENAPI_FILE, exportOpenApi } from './export-openapi.js';
import { firstDifference, generateTypes } from './openapi-typescript.js';

// CI check: regenerates the OpenAPI document and the admin UI's typed client into a temporary
// folder and fails when the committed admin/src/api/openapi.json or schema.d.ts differ, i.e. when
// the API changed without `npm run admin:client`.

const COMMITTED = { openapi: resolve(DEFAULT_OPENAPI_FILE), schema: resolve('admin/src/api/schema.d.ts') };

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'oc-openapi-check-'));
  try {
    const fresh = { openapi: join(dir, 'openapi.json'), schema: join(dir, 'schema.d.ts') };
    await exportOpenApi(fresh.openapi);
    const gen = generateTypes(fresh.openapi, fresh.schema);
    if (!gen.ok) {
      process.stderr.write(`openapi-typescript failed:\n${gen.output}\n`);
      return 1;
    }
    const problems: string[] = [];
    for (const key of ['openapi', 'schema'] as const) {
      const committedPath = COMMITTED[key];
      const shown = relative(process.cwd(), committedPath);
      if (!existsSync(committedPath)) {
        problems.push(`${shown} is missing`);
        continue;
      }
      const committed = readFileSync(committedPath, 'utf8');
      const regenerated = readFileSync(fresh[key], 'utf8');
      if (committed !== regenerated) problems.push(`${shown} is out of date (first difference at ${firstDifference(committed, regenerated)})`);
    }
    if (problems.length > 0) {
      process.stderr.write(
        `The admin UI's API client does not match the API:\n  - ${problems.join('\n  - ')}\nRun \`npm run admin:client\` and commit admin/src/api/.\n`,
      );
      return 1;
    }
    process.stdout.write('openapi:check: admin/src/api/openapi.json and schema.d.ts match the API\n');
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`openapi:check failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
