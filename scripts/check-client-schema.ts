import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OPENAPI_FILE } from './export-openapi.js';
import { firstDifference, generateTypes } from './openapi-typescript.js';

// `npm test` check: the client package's wire types (client/src/generated/openapi.ts) are what
// openapi-typescript makes of the service's committed OpenAPI document. That document's own drift
// from the API is `npm run openapi:check`'s job.

export const CLIENT_SCHEMA_FILE = 'client/src/generated/openapi.ts';

function main(): number {
  const dir = mkdtempSync(join(tmpdir(), 'oc-client-schema-'));
  try {
    const fresh = join(dir, 'openapi.ts');
    const gen = generateTypes(DEFAULT_OPENAPI_FILE, fresh);
    if (!gen.ok) {
      process.stderr.write(`openapi-typescript failed:\n${gen.output}\n`);
      return 1;
    }
    const problem = !existsSync(CLIENT_SCHEMA_FILE)
      ? `${CLIENT_SCHEMA_FILE} is missing`
      : readFileSync(CLIENT_SCHEMA_FILE, 'utf8') === readFileSync(fresh, 'utf8')
        ? undefined
        : `${CLIENT_SCHEMA_FILE} is out of date (first difference at ${firstDifference(readFileSync(CLIENT_SCHEMA_FILE, 'utf8'), readFileSync(fresh, 'utf8'))})`;
    if (problem) {
      process.stderr.write(
        `The client package's API types do not match ${DEFAULT_OPENAPI_FILE}:\n  - ${problem}\nRun \`npm run client:schema\` (or \`npm run admin:client\` after an API change) and commit ${CLIENT_SCHEMA_FILE}.\n`,
      );
      return 1;
    }
    process.stdout.write(`client:check: ${CLIENT_SCHEMA_FILE} matches ${DEFAULT_OPENAPI_FILE}\n`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exit(main());
