import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../helpers/chromium.js';

// The README's "Try it", step by step and literally: its commands are read from the README and run
// as written (in a shell, in a checkout-like folder, with no configuration in the environment),
// its URLs are opened in Chromium, and the credentials the service prints are the ones used.
// When the README changes, this test follows it.

const README = readFileSync('README.md', 'utf8');
const TRY_IT = README.slice(README.indexOf('## Try it'), README.indexOf('\n## ', README.indexOf('## Try it') + 1));
const steps = TRY_IT.split(/\n(?=\d\. )/).slice(1);
const PORT = 3000; // the README's URLs say localhost:3000
const USER_ID = 'readme-reader';

const skipReason = chromiumMissing ?? (existsSync('admin/dist/index.html') ? null : 'admin/dist is missing (run npm run admin:build)');
if (skipReason) console.warn(`README "Try it" test skipped: ${skipReason}`);
const describeTryIt = skipReason ? describe.skip : describe;

/** Only what a person's shell has; none of the service's variables. */
function bareEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir() };
}

function inlineCode(step: string): string[] {
  return [...step.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A folder laid out like a fresh checkout after `npm install`: sources linked, nothing built, no .data. */
function checkoutLike(): string {
  const dir = mkdtempSync(join(tmpdir(), 'oc-try-it-'));
  for (const entry of ['package.json', '.swcrc', 'src', 'migrations', 'scripts', 'node_modules']) symlinkSync(resolve(entry), join(dir, entry));
  mkdirSync(join(dir, 'admin'));
  symlinkSync(resolve('admin/dist'), join(dir, 'admin', 'dist'));
  return dir;
}

describeTryIt('README "Try it", literally', () => {
  let dir: string;
  let service: ChildProcess;
  let output = '';
  let browser: Browser;
  let page: Page;
  let admin: { email: string; password: string };

  beforeAll(async () => {
    if (!(await portIsFree(PORT))) throw new Error(`port ${PORT} is in use; the README's walkthrough needs it (stop whatever serves localhost:${PORT})`);
    dir = checkoutLike();
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(15_000);
  });
  afterAll(async () => {
    await browser?.close();
    if (service?.pid && service.exitCode === null) {
      await new Promise((r) => {
        service.once('exit', r);
        process.kill(-service.pid!, 'SIGTERM');
      });
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('step 1: `npm start` starts the service and prints the development admin last', async () => {
    expect(steps[0]).toContain('`npm install && npm start`');
    // npm install has run already (it is how this test's dependencies got here); start as written.
    // Its own process group, so stopping it stops npm and the node process npm started.
    service = spawn('sh', ['-c', 'npm start'], { cwd: dir, env: bareEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    service.stdout!.on('data', (d) => (output += d));
    service.stderr!.on('data', (d) => (output += d));
    const printed = inlineCode(steps[0]!).find((c) => c.includes('admin@'))!;
    // The README's line with its "…" standing for the password.
    const pattern = new RegExp(printed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('…', '(\\S+)'));
    const deadline = Date.now() + 60_000;
    while (!pattern.test(output)) {
      if (service.exitCode !== null) throw new Error(`npm start exited (${service.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`no line like "${printed}" in the output:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 500)); // anything printed after it would show now
    const lines = output.trimEnd().split('\n');
    const at = lines.findIndex((l) => pattern.test(l));
    expect({ linesAfterTheAdmin: lines.slice(at + 1).filter((l) => !/password|admin@|^\s*$/i.test(l)) }).toEqual({ linesAfterTheAdmin: [] });
    const emailMatch = /as (\S+@\S+) with/.exec(printed)!;
    admin = { email: emailMatch[1]!, password: pattern.exec(output)![1]! };
    expect((await fetch(`http://localhost:${PORT}/health`)).status).toBe(200);
  });

  it('step 2: the settings page connects the demo provider', async () => {
    const url = /(http:\/\/localhost:3000\/my\/settings\/social)/.exec(steps[1]!)![1]!;
    expect(steps[1]).toMatch(/click \*\*Connect\*\* next to \*Demo provider\*/);
    await page.goto(url);
    await page.locator('#dev-user').fill(USER_ID);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const demo = page.locator('#platforms li', { hasText: 'Demo provider' });
    await demo.getByRole('button', { name: 'Connect' }).click();
    await page.locator('#account').fill('my-demo-account');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/\/my\/settings\/social/);
    // "You are back on the page, connected": the account is shown and can be disconnected.
    await page.locator('#platforms li', { hasText: 'Demo provider: my-demo-account' }).getByRole('button', { name: 'Disconnect' }).waitFor();
    expect(await demo.textContent()).not.toMatch(/not connected/);
  });

  it('step 3: the printed admin signs in at /admin, sees the connection, and a forced refresh after an injected failure is listed', async () => {
    const url = /(http:\/\/localhost:3000\/admin)\b/.exec(steps[2]!)![1]!;
    await page.goto(url);
    await page.getByTestId('signin-email').fill(admin.email);
    await page.getByTestId('signin-password').fill(admin.password);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('signed-in-as').waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toContain(admin.email);

    const failureCurl = inlineCode(steps[2]!).find((c) => c.startsWith('curl '))!;
    const curl = spawnSync('sh', ['-c', failureCurl], { cwd: dir, env: bareEnv(), encoding: 'utf8' });
    expect({ exit: curl.status, out: curl.stdout }).toEqual({ exit: 0, out: expect.stringContaining('"remaining":1') });

    await page.getByTestId('nav-connections').click();
    await page.getByTestId('connection-row').filter({ hasText: USER_ID }).getByTestId('connection-link').click();
    await page.getByTestId('force-refresh').click();
    const confirm = page.getByRole('dialog').getByRole('button', { name: /refresh/i });
    if (await confirm.count()) await confirm.click();
    await page.getByTestId('nav-failures').click();
    await page.getByTestId('failure-row').filter({ hasText: USER_ID }).first().waitFor();
  });

  it('step 4: the curl recipe, as printed, hands the job the token', async () => {
    const block = /```sh\n([\s\S]*?)```/.exec(steps[3]!)![1]!;
    expect(block).toContain('<the user id from step 2>');
    const res = spawnSync('bash', ['-c', block.replace('<the user id from step 2>', USER_ID)], { cwd: dir, env: bareEnv(), encoding: 'utf8', timeout: 60_000 });
    expect(res.status).toBe(0);
    const body = JSON.parse(res.stdout) as { accessToken?: string; accountId?: string };
    expect(body).toMatchObject({ accessToken: expect.any(String), accountId: expect.any(String) });
  });
});
