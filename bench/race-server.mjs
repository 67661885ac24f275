// One app instance for bench/refresh-race.mjs: started by the parent with an IPC channel and the
// app's environment (DATABASE_URL, PORT, secrets, PROVIDERS_FILE). Reports its URL over IPC, and
// stops when the parent says so, disconnects (dies), sends SIGTERM, or after 5 minutes at most.
import 'reflect-metadata';
import { createApp, listen } from '../dist/src/app.factory.js';
import { AppLogger } from '../dist/src/common/app-logger.js';
import { loadStartupConfig } from '../dist/src/startup-config.js';

let app;
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(code || 1), 10_000);
  force.unref();
  await app?.close().catch((e) => process.stderr.write(`race-server: close failed: ${e.message}\n`));
  process.exit(code);
}

setTimeout(() => {
  process.stderr.write('race-server: 5 minute limit reached; exiting\n');
  void stop(2);
}, 5 * 60_000).unref();
process.on('disconnect', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
process.on('message', (m) => m?.stop && void stop(0));

try {
  if (!process.send) throw new Error('race-server must be started by bench/refresh-race.mjs (needs an IPC channel)');
  const config = loadStartupConfig(process.env);
  app = await createApp(config, { logger: new AppLogger(config.logLevel, 'json', (line) => process.stderr.write(`${line}\n`)) });
  await listen(app, config, config.port, '127.0.0.1');
  const { port } = app.getHttpServer().address();
  process.send({ ready: true, url: `http://127.0.0.1:${port}`, pid: process.pid });
} catch (error) {
  process.stderr.write(`race-server failed to start: ${error?.stack ?? error}\n`);
  await stop(1);
}
