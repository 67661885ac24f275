import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { installPgliteSocketBatching } from './pglite-socket-batching.js';
import { readPgliteTemplate } from './pglite-template.js';

/**
 * The development database: PGlite persisted under DATA_DIR/pg and served on a loopback port,
 * so the app talks to it through the same `pg` driver as to a real Postgres.
 * pglite-socket runs one query at a time and keeps a transaction on its own connection.
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
    if (options.dataDir) {
      mkdirSync(options.dataDir, { recursive: true });
      lockFile = acquireLock(join(options.dataDir, 'embedded-db.lock'));
      pgDir = join(options.dataDir, 'pg');
    }
    try {
      // A fresh cluster starts from the template made at install time when there is one (initdb is slow).
      const template = pgDir && existsSync(pgDir) ? undefined : readPgliteTemplate();
      const db = await PGlite.create({ ...(pgDir ? { dataDir: pgDir } : {}), ...(template ? { loadDataDir: template } : {}) });
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: options.maxConnections });
      await server.start();
      return new EmbeddedPostgres(db, server, lockFile, `postgres://postgres@${server.getServerConn()}/postgres`);
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
  writeFileSync(path, String(process.pid));
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
