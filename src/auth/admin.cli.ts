import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { openDataSource } from '../database/data-source.js';
import { EmbeddedPostgres } from '../database/embedded-postgres.js';
import { ADMIN_EMAIL_MESSAGE, isAdminEmail } from './admin-email.js';
import { AdminSessionService } from './admin-session.service.js';
import { AdminUserRepository } from './admin-user.repository.js';

/** Reads the password from piped stdin, or prompts without echo on a terminal. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text.replace(/\r?\n$/, '');
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
  process.stdout.write('Password (at least 12 characters): ');
  muted._writeToOutput = () => undefined;
  const password = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stdout.write('\n');
  return password;
}

/** `npm run admin:create -- --email a@b.c` (password from stdin or a prompt). */
async function main(): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { email: { type: 'string' } }, strict: true });
  if (!values.email) throw new Error('--email <address> is required');
  if (!isAdminEmail(values.email)) throw new Error(`--email: ${ADMIN_EMAIL_MESSAGE}`);
  const password = await readPassword();
  const config = loadConfig();
  const embedded = config.database.url ? undefined : await EmbeddedPostgres.start({ dataDir: config.dataDir, maxConnections: 5 });
  const dataSource = await openDataSource(config.database.url ?? embedded!.url, config.database);
  try {
    const created = await new AdminSessionService(config, new AdminUserRepository(dataSource)).createAdmin(values.email, password);
    process.stdout.write(`Created admin ${created.email}\n`);
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  const e = error as { code?: string; message: string };
  process.stderr.write(`${e.code === '23505' ? 'An admin with this email already exists' : e.message}\n`);
  process.exit(1);
});
