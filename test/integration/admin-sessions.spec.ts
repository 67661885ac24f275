import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe('admin sign-in with the development account', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { NODE_ENV: 'development', DEMO_PROVIDER: 'off', LOG_LEVEL: 'info' } });
  });
  afterAll(() => t?.close());

  it('signs in over HTTP as the admin@localhost account the service prints', async () => {
    const printed = t.logs.map((l) => JSON.parse(l) as { msg: string }).find((l) => l.msg.includes('admin@localhost'));
    const password = /password (\S+)/.exec(printed?.msg ?? '')?.[1];
    expect(password).toBeDefined();
    const res = await request(t.url).post('/admin/api/session').send({ email: 'admin@localhost', password }).expect(200);
    expect(res.body.email).toBe('admin@localhost');
    await request(t.url).get('/admin/api/summary').set('Cookie', res.headers['set-cookie']![0]!.split(';')[0]!).expect(200);
  });

  it('refuses a malformed address with a 400 naming the rule', async () => {
    const res = await request(t.url).post('/admin/api/session').send({ email: 'admin@', password: 'x' }).expect(400);
    expect(res.body).toMatchObject({ error: 'validation_failed', message: expect.stringContaining('admin@localhost') });
  });
});
