import 'reflect-metadata';
import { createApp, listen } from './app.factory.js';
import { AdminSessionService } from './auth/admin-session.service.js';
import { AppLogger } from './common/app-logger.js';
import { ConfigError } from './config/config.error.js';
import { loadStartupConfig } from './startup-config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadStartupConfig();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof Error) {
      process.stderr.write(`oauth-connections cannot start.\n${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = new AppLogger(config.logLevel, config.logFormat);
  const { used, generated } = config.devSecrets;
  if (used.length > 0) {
    logger.warn(
      `${generated.length ? `Generated development secrets ${generated.join(', ')}` : `Using development secrets ${used.join(', ')}`} ` +
        `from ${config.dataDir}/secrets.json. Set them in the environment for production (NODE_ENV=production refuses to start without them).`,
      'Config',
    );
  }
  for (const warning of config.startupWarnings) logger.warn(warning, 'Config');
  const app = await createApp(config, { logger });
  await listen(app, config);
  // Graceful shutdown: stop accepting requests, close the pool, then the embedded database.
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.log(`${signal} received, shutting down`, 'Main');
      const force = setTimeout(() => {
        logger.error('Shutdown took longer than 10 s; exiting', 'Main');
        process.exit(1);
      }, 10_000);
      force.unref();
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`Shutdown failed: ${(error as Error).message}`, 'Main');
          process.exit(1);
        },
      );
    });
  }
  logger.log(
    `Listening on ${config.appUrl} (API docs at ${config.appUrl}/docs,${config.internalPort !== undefined ? ` internal-token on port ${config.internalPort},` : ''} database: ${config.database.url ? 'Postgres' : `embedded PGlite in ${config.dataDir}/pg`})`,
    'Main',
  );
  // Last, after Nest's route table and "listening", where a person sees it.
  const admin = app.get(AdminSessionService).developmentAdmin;
  if (admin) {
    logger.warn(`Created a development admin (shown once; npm run admin:create adds others). Sign in at ${config.appUrl}/admin`, 'AdminAuth');
    logger.warn(`  as ${admin.email} with password ${admin.password}`, 'AdminAuth');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`oauth-connections failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
