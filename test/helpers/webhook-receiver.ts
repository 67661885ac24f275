import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type WebhookBody = { id: string; type: string; createdAt: string; sequence: number; data: Record<string, unknown> };
export type Delivery = { raw: string; headers: IncomingHttpHeaders; path: string; body: WebhookBody; status: number };

export type Receiver = {
  url: string;
  /** Every request, in arrival order, with the status it was answered. */
  all: Delivery[];
  accepted: Delivery[];
  rejected: Delivery[];
  /** Answer 503 to everything. */
  down: boolean;
  /** The status for one delivery (undefined: 503 when down, else 204). */
  answer?: (d: Delivery) => number | undefined;
  delayMs: number;
  started: number;
  close: () => Promise<void>;
};

/** A webhook receiver that records what it gets; it can be switched down (503), answer per delivery, and answer slowly. */
export async function startReceiver(): Promise<Receiver> {
  const state = {
    all: [] as Delivery[],
    accepted: [] as Delivery[],
    rejected: [] as Delivery[],
    down: false,
    delayMs: 0,
    started: 0,
    answer: undefined as Receiver['answer'],
  };
  const server: Server = createServer((req, res) => {
    state.started++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const delivery: Delivery = { raw, headers: req.headers, path: req.url ?? '', body: JSON.parse(raw) as WebhookBody, status: 0 };
      const status = state.answer?.(delivery) ?? (state.down ? 503 : 204);
      delivery.status = status;
      state.all.push(delivery);
      if (status >= 200 && status < 300) {
        setTimeout(() => {
          state.accepted.push(delivery);
          res.writeHead(status).end();
        }, state.delayMs);
      } else {
        state.rejected.push(delivery);
        res.writeHead(status).end('no');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

export const REPLAY_TOLERANCE_SECONDS = 5 * 60;

/**
 * A receiver's check, written from the Standard Webhooks 1.0 specification
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md, read
 * 2026-12-03) with node:crypto only, independent of the service's code: the three headers must be
 * there, the timestamp within the tolerance of the receiver's clock (replay protection), and one of
 * the space-separated `v1,<base64>` entries the HMAC-SHA256 of `id.timestamp.body` under the key
 * (`whsec_` + base64 of the key bytes, or a raw string used as its UTF-8 bytes), compared in constant time.
 */
export function verifyStandardWebhook(
  secret: string,
  headers: IncomingHttpHeaders,
  rawBody: string,
  opts: { nowSeconds?: number; toleranceSeconds?: number } = {},
): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string' || !/^\d+$/.test(timestamp)) return false;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (opts.toleranceSeconds ?? REPLAY_TOLERANCE_SECONDS)) return false;
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${rawBody}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, encoded] = entry.split(',');
    if (version !== 'v1' || !encoded) return false;
    const got = Buffer.from(encoded, 'base64');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

export async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
