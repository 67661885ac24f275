// A tiny TCP proxy for fault tests: put it between the app and its database, then `cut()` to
// simulate an outage (every open connection is destroyed, new ones are closed at once) and
// `restore()` to accept and forward again.
import { connect, createServer, type Server, type Socket } from 'node:net';

export type TcpProxy = {
  /** Port the proxy listens on (127.0.0.1). */
  port: number;
  host: string;
  /** Destroys all current connections and refuses (immediately closes) new ones until restore(). */
  cut(): void;
  /**
   * A silent network partition instead: open connections stay open but nothing passes either
   * way, and new connections are accepted but never forwarded, until restore() (which then
   * destroys what was held, as a real partition usually ends in resets).
   */
  blackhole(): void;
  /** Accepts and forwards new connections again. */
  restore(): void;
  /** Connections accepted and forwarded since start (refused ones not counted). */
  readonly forwarded: number;
  /** Connections refused while cut. */
  readonly refused: number;
  /** Connections currently open (client side). */
  readonly open: number;
  close(): Promise<void>;
};

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let isCut = false;
  let isBlackholed = false;
  const held = new Set<Socket>();
  let forwarded = 0;
  let refused = 0;

  const server: Server = createServer((client) => {
    client.on('error', () => undefined);
    if (isCut) {
      refused++;
      client.destroy();
      return;
    }
    if (isBlackholed) {
      held.add(client);
      client.on('close', () => held.delete(client));
      client.on('data', () => undefined); // read and drop
      return;
    }
    forwarded++;
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
    const forward = (from: Socket, to: Socket) => from.on('data', (chunk: Buffer) => void (isBlackholed || to.write(chunk)));
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  const destroyAll = () => {
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };

  return {
    port,
    host: '127.0.0.1',
    cut() {
      isCut = true;
      destroyAll();
    },
    blackhole() {
      isBlackholed = true;
    },
    restore() {
      if (isBlackholed) {
        isBlackholed = false;
        for (const s of held) s.destroy();
        held.clear();
        destroyAll();
      }
      isCut = false;
    },
    get forwarded() {
      return forwarded;
    },
    get refused() {
      return refused;
    },
    get open() {
      return pairs.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of held) s.destroy();
        held.clear();
        destroyAll();
        server.close(() => resolve());
      }),
  };
}

/** The same database URL, pointed at the proxy instead of the database's host:port. */
export function proxiedUrl(url: string, proxy: { host: string; port: number }): string {
  const u = new URL(url);
  u.hostname = proxy.host;
  u.port = String(proxy.port);
  return u.toString();
}
