import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../config/load-config.js';
import { openDataSource } from '../database/data-source.js';
import { EmbeddedPostgres } from '../database/embedded-postgres.js';
import { RateLimitService } from '../rate-limit/rate-limit.service.js';
import { AdminApiKeyRepository } from './admin-api-key.repository.js';
import { AdminApiKeyService } from './admin-api-key.service.js';
import { ADMIN_EMAIL_MESSAGE, isAdminEmail, normalizeAdminEmail } from './admin-email.js';
import { AdminSessionRepository } from './admin-session.repository.js';
import { AdminSessionService } from './admin-session.service.js';
import { AdminUserRepository } from './admin-user.repository.js';

const USAGE = `usage:
  npm run admin:create -- --email <address> [--api-key]   create an admin (password from stdin or a prompt); --api-key also prints an API key
  npm run admin:api-key -- --email <address>              print a new API key for an existing admin
  npm run admin:delete -- --email <address>               delete an admin, its UI sessions and its API keys`;

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

function printKey(key: string): void {
  process.stdout.write(`Admin API key (shown once, stored only hashed; send as "Authorization: Bearer <key>"):\n${key}\n`);
}

async function run(command: string, email: string, apiKey: boolean, dataSource: DataSource, config: ReturnType<typeof loadConfig>): Promise<void> {
  const admins = new AdminUserRepository(dataSource);
  const keys = new AdminApiKeyService(new AdminApiKeyRepository(dataSource));
  if (command === 'create') {
    const password = await readPassword();
    const sessions = new AdminSessionService(config, admins, new AdminSessionRepository(dataSource), RateLimitService.standalone(dataSource));
    const created = await sessions.createAdmin(email, password);
    process.stdout.write(`Created admin ${created.email}\n`);
    if (apiKey) printKey((await keys.issue(created.id)).key);
  } else if (command === 'api-key') {
    const admin = await admins.findByEmail(normalizeAdminEmail(email));
    if (!admin)
      throw new Error(`No admin ${normalizeAdminEmail(email)}; create one with npm run admin:create -- --email ${normalizeAdminEmail(email)} --api-key`);
    printKey((await keys.issue(admin.id)).key);
  } else {
    if (!(await admins.deleteByEmail(normalizeAdminEmail(email)))) throw new Error(`No admin ${normalizeAdminEmail(email)}`);
    process.stdout.write(`Deleted admin ${normalizeAdminEmail(email)}, its sessions and its API keys\n`);
  }
}

/** `admin.cli.js [create|api-key|delete] --email a@b.c [--api-key]`; the command defaults to create. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const command = args[0] && !args[0].startsWith('-') ? args.shift()! : 'create';
  if (!['create', 'api-key', 'delete'].includes(command)) throw new Error(USAGE);
  const { values } = parseArgs({ args, options: { email: { type: 'string' }, 'api-key': { type: 'boolean' } }, strict: true });
  if (!values.email) throw new Error(`--email <address> is required\n${USAGE}`);
  if (!isAdminEmail(values.email)) throw new Error(`--email: ${ADMIN_EMAIL_MESSAGE}`);
  const config = loadConfig();
  const embedded = config.database.url ? undefined : await EmbeddedPostgres.start({ dataDir: config.dataDir, maxConnections: 5 });
  const dataSource = await openDataSource(config.database.url ?? embedded!.url, config.database);
  try {
    await run(command, values.email, values['api-key'] ?? false, dataSource, config);
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  const e = error as { code?: string; message: string };
  process.stderr.write(
    `${e.code === '23505' ? 'An admin with this email already exists (npm run admin:api-key -- --email <address> gives it a key)' : e.message}\n`,
  );
  process.exit(1);
});
