import { loadConfig } from '../config/load-config.js';
import { migrate, openDataSource } from './data-source.js';
import { EmbeddedPostgres } from './embedded-postgres.js';

/** `npm run migration:run|revert|show`: the same DataSource definition as the app. */
async function main(command: string | undefined): Promise<void> {
  const config = loadConfig();
  const embedded = config.database.url ? undefined : await EmbeddedPostgres.start({ dataDir: config.dataDir, maxConnections: 5 });
  const dataSource = await openDataSource(config.database.url ?? embedded!.url, config.database, false);
  try {
    if (command === 'run') {
      const applied = await migrate(dataSource);
      process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'No pending migrations.\n');
    } else if (command === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      process.stdout.write('Reverted the last migration.\n');
    } else if (command === 'show') {
      const pending = await dataSource.showMigrations();
      process.stdout.write(pending ? 'There are pending migrations.\n' : 'All migrations are applied.\n');
      process.exitCode = pending ? 2 : 0;
    } else {
      throw new Error('usage: migration.cli.js run|revert|show');
    }
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
