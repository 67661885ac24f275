// A TCP proxy to put between the app and its database: cut() destroys every open connection and
// refuses new ones until restore() (the same outage as test/helpers/tcp-proxy.ts, for the benches).
import { connect, createServer } from 'node:net';

export async function startTcpProxy(target) {
  const pairs = new Set();
  let isCut = false;
  let refused = 0;
  const server = createServer((client) => {
    client.on('error', () => undefined);
    if (isCut) {
      refused++;
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => undefined);
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const destroyAll = () => {
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    host: '127.0.0.1',
    port: server.address().port,
    cut() {
      isCut = true;
      destroyAll();
    },
    restore() {
      isCut = false;
    },
    get refused() {
      return refused;
    },
    close: () =>
      new Promise((resolve) => {
        destroyAll();
        server.close(() => resolve());
      }),
  };
}

/** The same database URL, pointed at the proxy. */
export function proxiedUrl(url, proxy) {
  const u = new URL(url);
  u.hostname = proxy.host;
  u.port = String(proxy.port);
  return u.toString();
}
