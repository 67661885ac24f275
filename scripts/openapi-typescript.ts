import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// Shared by the drift checks of the generated API types (admin UI and client package).

function openapiTypescriptBin(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('openapi-typescript/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['openapi-typescript']!;
  return join(dirname(pkgPath), bin);
}

/** Runs openapi-typescript on `input`, writing `output`; the tool's output when it fails. */
export function generateTypes(input: string, output: string): { ok: true } | { ok: false; output: string } {
  const gen = spawnSync(process.execPath, [openapiTypescriptBin(), input, '-o', output], { encoding: 'utf8' });
  return gen.status === 0 ? { ok: true } : { ok: false, output: `${gen.stdout}${gen.stderr}` };
}

/** The first differing line, for the message. */
export function firstDifference(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i])
      return `line ${i + 1}:\n    committed:   ${JSON.stringify(al[i] ?? '<end of file>')}\n    regenerated: ${JSON.stringify(bl[i] ?? '<end of file>')}`;
  }
  return 'identical';
}
