import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, globalAgent } from 'node:http';
import type { Socket } from 'node:net';
import { loadConfig } from '../../src/config/load-config.js';
import { ProviderHttpClient } from '../../src/providers/provider-http.client.js';

describe('ProviderHttpClient on keep-alive sockets', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/x`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('does not leave a listener behind per request on a reused socket', async () => {
    expect(globalAgent).toBeInstanceOf(Agent);
    const client = new ProviderHttpClient(loadConfig({ NODE_ENV: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'oc-http-')) }));
    const sockets = new Set<Socket>();
    const track = (s: Socket) => sockets.add(s);
    server.on('connection', track);
    for (let i = 0; i < 30; i++) expect((await client.send({ method: 'GET', url, purpose: 'test' })).json).toEqual({ ok: true });
    server.off('connection', track);
    // Node's global agent keeps sockets alive, so most requests reused a connected socket.
    expect(sockets.size).toBeLessThan(30);
    const idle = Object.values((globalAgent as unknown as { freeSockets: Record<string, Socket[]> }).freeSockets).flat();
    expect(idle.length).toBeGreaterThan(0);
    for (const socket of idle) expect(socket.listenerCount('connect')).toBeLessThanOrEqual(1);
  });
});
