import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { openDataSource } from '../database/data-source.js';
import { EmbeddedPostgres } from '../database/embedded-postgres.js';
import { KeyRing } from './key-ring.js';
import { KeyRotationService } from './key-rotation.service.js';

const USAGE = 'usage: key-rotation.cli.js [--batch-size 500] [--pause-ms 0]';

function intOption(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}\n${USAGE}`);
  return n;
}

const formatCounts = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([kid, n]) => `${kid || '(malformed)'}: ${n}`)
    .join(', ') || 'none';

/** Development: a service started without TOKEN_ENCRYPTION_KEYS reads DATA_DIR/secrets.json, which may lack the new key. */
function warnAboutDevSecrets(dataDir: string, ring: KeyRing, out: (line: string) => void): void {
  const path = join(dataDir, 'secrets.json');
  if (!existsSync(path)) return;
  let keys: string | undefined;
  try {
    keys = (JSON.parse(readFileSync(path, 'utf8')) as { TOKEN_ENCRYPTION_KEYS?: string }).TOKEN_ENCRYPTION_KEYS;
  } catch {
    return;
  }
  const kids = keys?.split(',').map((entry) => entry.trim().split(':')[0]) ?? [];
  if (kids.length > 0 && !kids.includes(ring.currentKid)) {
    out(
      `Warning: ${path} holds keys ${kids.join(', ')} without "${ring.currentKid}": always start the service with this TOKEN_ENCRYPTION_KEYS (or update that file), or it cannot decrypt the rotated values.`,
    );
  }
}

/**
 * `npm run keys:rotate`: re-encrypts every encrypted value with the current (first) key of
 * TOKEN_ENCRYPTION_KEYS. Online against a shared Postgres (DATABASE_URL) while every instance
 * already runs with the new key ring; with the embedded database, stop the service first.
 * Exit codes: 0 every value is under the current key; 1 error; 2 undecryptable values remain;
 * 3 values remain under an old key (written concurrently by an instance without the new key: rerun).
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { 'batch-size': { type: 'string' }, 'pause-ms': { type: 'string' } }, strict: true });
  const batchSize = intOption('batch-size', values['batch-size'], 500, 1, 10_000);
  const pauseMs = intOption('pause-ms', values['pause-ms'], 0, 0, 60_000);
  const config = loadConfig();
  const ring = new KeyRing(config.encryptionKeys);
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };

  let embedded: EmbeddedPostgres | undefined;
  if (!config.database.url) {
    try {
      embedded = await EmbeddedPostgres.start({ dataDir: config.dataDir, maxConnections: 5 });
    } catch (error) {
      throw new Error(
        `Cannot open the embedded database: ${(error as Error).message}\nThe embedded database serves one process: stop the service, rotate, then start it again.`,
        { cause: error },
      );
    }
  }
  const dataSource = await openDataSource(config.database.url ?? embedded!.url, config.database, false);
  try {
    out(`Re-encrypting with key "${ring.currentKid}" (key ring: ${ring.kids.join(', ')}), batches of ${batchSize}.`);
    const service = new KeyRotationService(dataSource, ring);
    out(`Before: ${formatCounts(await service.valuesByKeyId())}`);
    const result = await service.rotate({ batchSize, pauseMs, onProgress: (p) => out(`${p.table}.${p.column}: ${p.done}/${p.total}`) });
    const seconds = result.durationMs / 1000;
    out(
      `Re-encrypted ${result.reencrypted} values in ${seconds.toFixed(1)} s (${Math.round(result.reencrypted / Math.max(seconds, 0.001))}/s); ` +
        `${result.skipped} changed concurrently (left as written); ${result.undecryptable} undecryptable.`,
    );
    out(`Values per key id: ${formatCounts(result.remaining)}`);
    for (const f of result.failures) out(`  undecryptable: ${f.table}.${f.column} id ${f.id}: ${f.reason}${f.kid ? ` (key "${f.kid}")` : ''}`);
    if (result.undecryptable > result.failures.length) out(`  ... and ${result.undecryptable - result.failures.length} more`);
    if (!config.isProduction) warnAboutDevSecrets(config.dataDir, ring, out);
    const old = Object.entries(result.remaining).filter(([kid]) => kid !== ring.currentKid);
    if (result.undecryptable > 0) {
      out(
        `${result.undecryptable} values cannot be decrypted with TOKEN_ENCRYPTION_KEYS (the key they name is missing, or they are damaged) and were left as they are: restore that key and rerun, or have those users reconnect.`,
      );
      return 2;
    }
    if (old.length > 0) {
      out(
        `Values remain under ${old.map(([kid]) => `"${kid}"`).join(', ')} (written during the run by an instance without key "${ring.currentKid}"?). Make sure every instance runs with the new key ring, then rerun.`,
      );
      return 3;
    }
    out(`Every value is under key "${ring.currentKid}": the other keys can be removed from TOKEN_ENCRYPTION_KEYS.`);
    return 0;
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
