import request from 'supertest';
import { Connection } from '../../src/connections/connection.entity.js';
import { Secret } from '../../src/crypto/secret.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { writeProvidersFile } from '../helpers/providers-file.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const HOUR = 3_600_000;

describe('three instances over one database, scheduler on in all three', () => {
  let fake: FakeProvider;
  let db: TestDb;
  const apps: TestApp[] = [];
  const presented = new Map<string, number>();

  beforeAll(async () => {
    fake = await startFakeProvider();
    let n = 0;
    fake.on('POST', '/token', (req) => {
      const rt = req.form.refresh_token!;
      presented.set(rt, (presented.get(rt) ?? 0) + 1);
      n++;
      return { delayMs: 30, json: { access_token: `at-${rt}-${n}`, refresh_token: `${rt}+`, expires_in: 86_400 } };
    });
    db = await createTestDb();
    // Seed before the instances start so the first scheduler ticks find work at once.
    const seeder = await startTestApp({
      db,
      env: {
        REFRESH_CRON: 'off',
        PROVIDERS_FILE: writeProvidersFile({ fake: { authorizationUrl: `${fake.url}/a`, tokenUrl: `${fake.url}/token`, clientId: 'c', clientSecret: 's' } }),
      },
    });
    const repo = seeder.dataSource.getRepository(Connection);
    for (let i = 0; i < 60; i++) {
      await repo.insert({
        userId: `due-${i}`,
        platform: 'fake',
        accessToken: Secret.fromPlaintext(`at-${i}`),
        refreshToken: Secret.fromPlaintext(`rt-due-${i}`),
        accessTokenExpiresAt: new Date(Date.now() + HOUR),
        accessTokenIssuedAt: new Date(Date.now() - 23 * HOUR),
        scopes: [],
      });
    }
    for (let i = 0; i < 3; i++) {
      await repo.insert({
        userId: `lazy-${i}`,
        platform: 'fake',
        accessToken: Secret.fromPlaintext(`at-l${i}`),
        refreshToken: Secret.fromPlaintext(`rt-lazy-${i}`),
        accessTokenExpiresAt: new Date(Date.now() + 10 * HOUR),
        accessTokenIssuedAt: new Date(Date.now() - HOUR),
        scopes: [],
      });
    }
    const env = {
      REFRESH_CRON: '* * * * * *',
      PROVIDERS_FILE: writeProvidersFile({ fake: { authorizationUrl: `${fake.url}/a`, tokenUrl: `${fake.url}/token`, clientId: 'c', clientSecret: 's' } }),
    };
    await seeder.close();
    for (let i = 0; i < 3; i++) apps.push(await startTestApp({ db, env }));
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await db?.drop();
    await fake?.close();
  });

  it('refreshes each due connection exactly once, and lazy refreshes never race', async () => {
    const deadline = Date.now() + 30_000;
    let done = 0;
    while (Date.now() < deadline) {
      [{ done }] = await apps[0]!.dataSource.query(`SELECT count(*)::int AS done FROM connections WHERE user_id LIKE 'due-%' AND token_version >= 2`);
      if (done === 60) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(done).toBe(60);
    for (let i = 0; i < 60; i++) expect(presented.get(`rt-due-${i}`)).toBe(1);
    // The refresh log holds exactly 60 scheduled refreshes: no double work. Each run writes its log
    // rows in batches when it ends, so they may land just after the tokens; a few seconds more, none extra.
    const logged = async () =>
      (
        (await apps[0]!.dataSource.query(`SELECT count(*)::int AS n FROM refresh_log WHERE trigger = 'scheduled' AND outcome = 'success'`)) as { n: number }[]
      )[0]!.n;
    for (const until = Date.now() + 10_000; (await logged()) < 60 && Date.now() < until;) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await logged()).toBe(60);

    // Lazy path: make three connections expire soon, then hit all instances at once (the schedulers
    // may pick them up too; either way each is refreshed once).
    await apps[0]!.dataSource.query(`UPDATE connections SET access_token_expires_at = now() + interval '60 seconds' WHERE user_id LIKE 'lazy-%'`);
    const calls = Array.from({ length: 90 }, (_, n) => {
      const app = apps[n % 3]!;
      return request(app.url)
        .post('/social/fake/internal-token')
        .set('Authorization', `Bearer ${app.serviceToken('jobs')}`)
        .send({ userId: `lazy-${n % 3}` });
    });
    const responses = await Promise.all(calls);
    expect(responses.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
    for (let i = 0; i < 3; i++) {
      expect(presented.get(`rt-lazy-${i}`)).toBe(1);
      expect(new Set(responses.filter((_, n) => n % 3 === i).map((r) => r.body.accessToken)).size).toBe(1);
    }
  });
});
