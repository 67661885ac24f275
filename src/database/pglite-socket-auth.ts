import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * SCRAM-SHA-256 (RFC 5802 / RFC 7677, as Postgres speaks it) for the embedded database's socket:
 * pglite-socket has no authentication, so pglite-socket-batching.ts runs this handshake on each
 * connection before it hands the StartupMessage to PGlite. Only the password's derived keys are
 * kept; the password never travels on the wire.
 */
export type ScramCredentials = { user: string; salt: Buffer; iterations: number; storedKey: Buffer; serverKey: Buffer };

const ITERATIONS = 4096;
const MECHANISM = 'SCRAM-SHA-256';

const hmac = (key: Buffer, data: string) => createHmac('sha256', key).update(data).digest();

export function scramCredentials(user: string, password: string): ScramCredentials {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, ITERATIONS, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  return { user, salt, iterations: ITERATIONS, storedKey: createHash('sha256').update(clientKey).digest(), serverKey: hmac(salted, 'Server Key') };
}

/** What the handshake answers next: bytes to send, and whether the client is now authenticated or refused. */
export type AuthStep = { send: Buffer; done?: 'ok' | 'refused' };

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** An Authentication* message ('R'): code, then payload. */
function authMessage(code: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([Buffer.from('R'), int32(8 + payload.length), int32(code), payload]);
}

/** A FATAL ErrorResponse, as Postgres sends before closing the connection. */
export function fatalError(code: string, message: string): Buffer {
  const fields = Buffer.concat(
    [
      ['S', 'FATAL'],
      ['V', 'FATAL'],
      ['C', code],
      ['M', message],
    ].map(([k, v]) => Buffer.from(`${k}${v}\0`)),
  );
  const body = Buffer.concat([fields, Buffer.from([0])]);
  return Buffer.concat([Buffer.from('E'), int32(4 + body.length), body]);
}

/** The parameters of a StartupMessage (length, protocol, then name\0value\0 pairs). */
export function startupParameters(message: Buffer): Record<string, string> {
  const parts = message.subarray(8).toString('utf8').split('\0');
  const params: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) params[parts[i]!] = parts[i + 1]!;
  return params;
}

/** One connection's SCRAM exchange: `start` after the StartupMessage, then `next` for each PasswordMessage ('p'). */
export class ScramHandshake {
  private stage: 'initial' | 'final' | 'done' = 'initial';
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private gs2 = '';

  constructor(
    private readonly credentials: ScramCredentials,
    private readonly user: string,
  ) {}

  start(): Buffer {
    return authMessage(10, Buffer.from(`${MECHANISM}\0\0`));
  }

  next(message: Buffer): AuthStep {
    if (message[0] !== 'p'.charCodeAt(0) || this.stage === 'done') return this.refuse('08P01', 'expected a SASL response');
    const body = message.subarray(5);
    return this.stage === 'initial' ? this.first(body) : this.final(body);
  }

  private first(body: Buffer): AuthStep {
    const end = body.indexOf(0);
    if (end < 0 || body.subarray(0, end).toString() !== MECHANISM || body.length < end + 5) return this.refuse('28000', `only ${MECHANISM} is supported`);
    const length = body.readInt32BE(end + 1);
    const text = body.subarray(end + 5, end + 5 + Math.max(length, 0)).toString('utf8');
    // gs2 header: no channel binding ("n,," or "y,,"): this socket has no TLS to bind to.
    const match = /^([ny]),,(n=[^,]*,r=([!-+--~]+))$/.exec(text);
    if (!match) return this.refuse('08P01', 'malformed SCRAM client-first-message');
    this.gs2 = `${match[1]},,`;
    this.clientFirstBare = match[2]!;
    this.nonce = match[3]! + randomBytes(18).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${this.credentials.salt.toString('base64')},i=${this.credentials.iterations}`;
    this.stage = 'final';
    return { send: authMessage(11, Buffer.from(this.serverFirst)) };
  }

  private final(body: Buffer): AuthStep {
    const text = body.toString('utf8');
    const match = /^(c=([^,]*),r=([^,]*)),p=([A-Za-z0-9+/=]+)$/.exec(text);
    if (!match || Buffer.from(match[2]!, 'base64').toString() !== this.gs2 || match[3] !== this.nonce)
      return this.refuse('08P01', 'malformed SCRAM client-final-message');
    const authMsg = `${this.clientFirstBare},${this.serverFirst},${match[1]}`;
    const proof = Buffer.from(match[4]!, 'base64');
    const signature = hmac(this.credentials.storedKey, authMsg);
    if (proof.length !== signature.length || this.user !== this.credentials.user)
      return this.refuse('28P01', `password authentication failed for user "${this.user}"`);
    const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
    if (!timingSafeEqual(createHash('sha256').update(clientKey).digest(), this.credentials.storedKey)) {
      return this.refuse('28P01', `password authentication failed for user "${this.user}"`);
    }
    this.stage = 'done';
    const serverSignature = hmac(this.credentials.serverKey, authMsg).toString('base64');
    // PGlite's own startup answer follows, beginning with AuthenticationOk.
    return { send: authMessage(12, Buffer.from(`v=${serverSignature}`)), done: 'ok' };
  }

  private refuse(code: string, message: string): AuthStep {
    this.stage = 'done';
    return { send: fatalError(code, message), done: 'refused' };
  }
}
