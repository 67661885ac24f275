// A recording HTTP proxy in front of the service: every request that reaches the service passes
// through it and is recorded (method, path, status, times, Authorization), so a test counts what the
// service was asked rather than what a client says it asked. `dropNext(n)` destroys the next n
// requests' connections before anything is forwarded (a network error, as the caller sees it).
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RecordedRequest = {
  method: string;
  path: string;
  authorization: string | undefined;
  body: string;
  /** When the request arrived and when its answer was complete (ms since epoch). */
  receivedAt: number;
  answeredAt: number;
  status: number;
  retryAfter: string | undefined;
};

export type HttpRecorder = {
  url: string;
  /** Requests forwarded to the service, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Requests whose connection was destroyed by dropNext. */
  readonly dropped: number;
  /** Forwarded requests whose path contains `part`. */
  count(part: string): number;
  /** Destroys the connection of each of the next n requests (0 stops dropping). */
  dropNext(n: number): void;
  close(): Promise<void>;
};

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startHttpRecorder(target: string): Promise<HttpRecorder> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  let toDrop = 0;
  let dropped = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const body = await readAll(req);
    if (toDrop > 0) {
      toDrop -= 1;
      dropped += 1;
      req.socket.destroy();
      return;
    }
    const answer = await new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const out = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (r) => {
          readAll(r).then((b) => resolve({ status: r.statusCode ?? 0, headers: r.headers, body: b }), reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
      body: body.toString('utf8'),
      receivedAt,
      answeredAt: Date.now(),
      status: answer.status,
      retryAfter: typeof answer.headers['retry-after'] === 'string' ? answer.headers['retry-after'] : undefined,
    };
    requests.push(recorded);
    const headers = { ...answer.headers };
    delete headers['transfer-encoding'];
    headers['content-length'] = String(answer.body.length);
    res.writeHead(answer.status, headers).end(answer.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`http-recorder: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    get dropped() {
      return dropped;
    },
    count: (part) => requests.filter((r) => r.path.includes(part)).length,
    dropNext(n) {
      toDrop = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
