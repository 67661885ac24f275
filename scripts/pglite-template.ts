import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgliteTemplatePath } from '../src/database/pglite-template.js';

/** Run by `npm install` (prepare): stores an initialised empty cluster for fast first starts. */
const path = pgliteTemplatePath();
if (existsSync(path)) {
  process.stdout.write(`pglite template: ${path} (cached)\n`);
} else {
  const db = await PGlite.create({});
  const dump = await db.dumpDataDir('gzip');
  await db.close();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.from(await dump.arrayBuffer()));
  process.stdout.write(`pglite template: ${path} (${Math.round(dump.size / 1024)} KiB)\n`);
}
