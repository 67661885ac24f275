import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { loadOrCreateDevSecrets } from '../config/secrets.js';
import { scramCredentials } from './pglite-socket-auth.js';
import { installPgliteSocketBatching, requirePassword } from './pglite-socket-batching.js';
import { readPgliteTemplate } from './pglite-template.js';

/**
 * The development database: PGlite persisted under DATA_DIR/pg and served on a loopback port,
 * so the app talks to it through the same `pg` driver as to a real Postgres.
 * pglite-socket runs one query at a time and keeps a transaction on its own connection.
 * The socket requires the user `postgres` and a generated password (SCRAM-SHA-256), kept in
 * DATA_DIR/secrets.json (a fresh one per start for an in-memory database); DATA_DIR is private
 * to its owner (directories 0700, files 0600), so no other local user can read or write it.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly lockFile: string | undefined,
    readonly url: string,
  ) {}

  /** `dataDir` undefined keeps the database in memory (tests). */
  static async start(options: { dataDir?: string; maxConnections: number }): Promise<EmbeddedPostgres> {
    installPgliteSocketBatching();
    let lockFile: string | undefined;
    let pgDir: string | undefined;
    let password = randomBytes(24).toString('base64url');
    if (options.dataDir) {
      // Files PGlite creates later get 0600/0700 too (the umask is process-wide and stays).
      restrictUmask();
      mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
      chmodSync(options.dataDir, 0o700);
      lockFile = acquireLock(join(options.dataDir, 'embedded-db.lock'));
      pgDir = join(options.dataDir, 'pg');
      password = loadOrCreateDevSecrets(options.dataDir, ['EMBEDDED_DB_PASSWORD']).secrets.EMBEDDED_DB_PASSWORD!;
    }
    try {
      // A fresh cluster starts from the template made at install time when there is one (initdb is slow).
      const template = pgDir && existsSync(pgDir) ? undefined : readPgliteTemplate();
      // Contrib extensions must be loaded here for CREATE EXTENSION to find them (pg_trgm: the admin substring search).
      const db = await PGlite.create({ ...(pgDir ? { dataDir: pgDir } : {}), ...(template ? { loadDataDir: template } : {}), extensions: { pg_trgm } });
      // The template's files arrive 0666, and an older DATA_DIR/pg may be open to everyone.
      if (pgDir) makePrivate(pgDir);
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: options.maxConnections });
      requirePassword(server, scramCredentials(USER, password));
      await server.start();
      return new EmbeddedPostgres(db, server, lockFile, `postgres://${USER}:${password}@${server.getServerConn()}/postgres`);
    } catch (error) {
      if (lockFile) rmSync(lockFile, { force: true });
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    if (this.lockFile) rmSync(this.lockFile, { force: true });
  }
}

const USER = 'postgres';

function restrictUmask(): void {
  try {
    process.umask(0o077);
  } catch {
    // Worker threads cannot change the umask; makePrivate still fixes what exists at start.
  }
}

/** chmod go-rwx over the whole tree: directories 0700, files 0600 (symlinks are left alone). */
export function makePrivate(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  const mode = stat.isDirectory() ? 0o700 : 0o600;
  if ((stat.mode & 0o777) !== mode) chmodSync(path, mode);
  if (stat.isDirectory()) for (const name of readdirSync(path)) makePrivate(join(path, name));
}

/** Two processes on one PGlite directory would corrupt it; refuse the second with a clear message. */
function acquireLock(path: string): string {
  if (existsSync(path)) {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new Error(
        `The embedded database in ${path.replace(/\/embedded-db\.lock$/, '')} is in use by process ${pid}. ` +
          'Stop it, use another DATA_DIR, or set DATABASE_URL to share a real Postgres between processes.',
      );
    }
  }
  writeFileSync(path, String(process.pid), { mode: 0o600 });
  return path;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
