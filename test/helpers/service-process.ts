// The built service (dist/, `npm run build`) started as its own process, as an operator runs it,
// on a test database, with the demo provider on; and the demo provider connected over HTTP the way a
// browser and the app's backend do it (test/integration/demo.spec.ts drives the same pages).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenIssuerService } from '../../src/auth/token-issuer.service.js';

const MAIN = 'dist/src/main.js';
export const PROCESS_SESSION_SECRET = 'e2e-session-secret-0123456789abcdefghijkl';
export const PROCESS_SERVICE_SECRET = 'e2e-service-secret-0123456789abcdefghijkl';

export type ServiceProcess = {
  url: string;
  output: () => string;
  /** A user session JWT for this service. */
  userToken: (sub: string) => string;
  stop: () => Promise<void>;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts dist/src/main.js on `databaseUrl`; resolves once /health answers. */
export async function startServiceProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first (npm test does)`);
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'oc-e2e-'));
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      APP_URL: url,
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      TOKEN_ENCRYPTION_KEYS: `k1:${'d'.repeat(64)}`,
      SESSION_JWT_SECRET: PROCESS_SESSION_SECRET,
      SERVICE_JWT_SECRET: PROCESS_SERVICE_SECRET,
      DEMO_PROVIDER: 'on',
      REFRESH_CRON: 'off',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited early:\n${out}`);
    if (Date.now() - started > 30_000) throw new Error(`service did not answer /health within 30 s:\n${out}`);
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    output: () => out,
    userToken: (sub) => TokenIssuerService.session(PROCESS_SESSION_SECRET, { sub }),
    stop: async () => {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const unescapeHtml = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));

/** Connects the demo provider's `account` for `userId`: connect-url, the consent form, then POST connect. */
export async function connectDemo(service: ServiceProcess, userId: string, account: string): Promise<void> {
  const auth = { authorization: `Bearer ${service.userToken(userId)}` };
  const connectUrl = await fetch(`${service.url}/social/demo/connect-url`, { headers: auth });
  if (!connectUrl.ok) throw new Error(`connect-url answered ${connectUrl.status}: ${await connectUrl.text()}`);
  const { url } = (await connectUrl.json()) as { url: string };
  const html = await (await fetch(url)).text();
  const form = new URLSearchParams();
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(name!, unescapeHtml(value!));
  form.set('account', account);
  form.set('decision', 'allow');
  const consent = await fetch(new URL('authorize', url), { method: 'POST', body: form, redirect: 'manual' });
  const back = new URL(consent.headers.get('location') ?? 'about:blank');
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`the demo consent did not redirect with a code (HTTP ${consent.status}, ${back})`);
  const body = JSON.stringify({ code, state: back.searchParams.get('state'), iss: back.searchParams.get('iss') });
  const connected = await fetch(`${service.url}/social/demo/connect`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body });
  if (!connected.ok) throw new Error(`connect answered ${connected.status}: ${await connected.text()}`);
}

/** Makes the demo provider's next `count` token requests fail with `status` (its development failure switch). */
export async function failDemoTokenRequests(service: ServiceProcess, count: number, status: number): Promise<void> {
  const res = await fetch(`${service.url}/demo-provider/_failures`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count, status }),
  });
  if (!res.ok) throw new Error(`_failures answered ${res.status}: ${await res.text()}`);
}
