import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, parse } from 'node:path';

/**
 * An initialised, empty PGlite cluster made once at install time (`npm install` runs
 * scripts/pglite-template.ts): a fresh embedded database loads it in ~1.5 s instead of running
 * initdb (~5 s). Keyed by the installed PGlite version; without it PGlite runs initdb as usual.
 */
export function pgliteTemplatePath(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json')) && dir !== parse(dir).root) dir = dirname(dir);
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  return join(dir, '..', '..', '.cache', 'oauth-connections', `pglite-${version}-template.tgz`);
}

export function readPgliteTemplate(): Blob | undefined {
  try {
    const path = pgliteTemplatePath();
    return existsSync(path) ? new Blob([readFileSync(path)]) : undefined;
  } catch {
    return undefined;
  }
}
