import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { TokenIssuerService } from './token-issuer.service.js';

const ADMIN_REFUSED =
  'token:session --admin: admin routes accept session JWTs only when ADMIN_SESSION_JWT=true (off by default: anyone with SESSION_JWT_SECRET could mint admin access). ' +
  'For scripts and /metrics use an admin API key instead: npm run admin:create -- --email you@example.com --api-key (or npm run admin:api-key -- --email <existing admin>).';

/** `npm run token:service -- --sub publisher [--ttl 300] [--platforms tiktok,x]` and `npm run token:session -- --sub user-1 [--ttl 3600] [--admin]`. */
function main(argv: string[]): void {
  const [kind, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { sub: { type: 'string' }, ttl: { type: 'string' }, platforms: { type: 'string' }, admin: { type: 'boolean' } },
    strict: true,
  });
  if (!values.sub) throw new Error('--sub is required');
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttl !== undefined && !Number.isInteger(ttl)) throw new Error('--ttl must be a whole number of seconds');
  const config = loadConfig();
  if (kind === 'service') {
    const platforms = values.platforms
      ?.split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    process.stdout.write(`${TokenIssuerService.service(config.serviceJwtSecret, { sub: values.sub, ttl, platforms })}\n`);
  } else if (kind === 'session') {
    if (values.admin && !config.adminSessionJwt) throw new Error(ADMIN_REFUSED);
    process.stdout.write(
      `${TokenIssuerService.session(config.sessionJwtSecret, { sub: values.sub, ttl, admin: values.admin, maxTtl: config.sessionJwtMaxTtlSeconds })}\n`,
    );
  } else {
    throw new Error('usage: token.cli.js service|session --sub <name> [...]');
  }
}

try {
  main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
