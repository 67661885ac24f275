import { PGLiteSocketHandler, type PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { fatalError, type ScramCredentials, ScramHandshake, startupParameters } from './pglite-socket-auth.js';

/**
 * pglite-socket 0.2.17 queues each wire-protocol message separately, so with several client
 * connections the Parse/Bind/Execute of one connection interleave with another's on the single
 * PGlite backend (unnamed statements get swapped; queries return other queries' rows or hang).
 * This patch queues a connection's messages as one unit up to Sync (or a simple Query), which
 * is what a real Postgres backend per connection guarantees. The package version is pinned
 * exactly; the two-instance race in test/integration/token-lifecycle.spec.ts fails without it.
 *
 * It also authenticates each connection (pglite-socket accepts anyone): the StartupMessage is
 * held back, the client must pass SCRAM-SHA-256 (pglite-socket-auth.ts), and only then does
 * PGlite see the StartupMessage and answer it (AuthenticationOk, parameters, ReadyForQuery).
 * A wrong password gets ErrorResponse 28P01 and the connection is closed.
 */
type Internals = {
  socket: { writable: boolean; write: (b: Buffer) => void; end: (b?: Buffer) => void } | null;
  auth?: { stage: 'startup' | 'password' | 'ready' | 'closed'; startup?: Buffer; handshake?: ScramHandshake };
  active: boolean;
  messageBuffer: Buffer;
  pending?: Buffer[];
  id: number;
  queryQueue: { enqueue: (id: number, message: Uint8Array, onData: (d: Uint8Array) => void) => Promise<number> };
  handleSslRequest: () => boolean;
  handleCancelRequest: () => boolean;
  dispatchEvent: (e: Event) => boolean;
};

const STARTUP_PROTOCOL = 196608;
// Before authentication a client may send only small messages (a StartupMessage, SASL responses).
const MAX_AUTH_MESSAGE = 10_000;
const BATCH_END = new Set(['S'.charCodeAt(0), 'Q'.charCodeAt(0), 'H'.charCodeAt(0), 'c'.charCodeAt(0), 'f'.charCodeAt(0)]);

let installed = false;
// Each server's credentials, found through the query queue its handlers share.
const credentialsByQueue = new WeakMap<object, ScramCredentials>();

/** Requires SCRAM-SHA-256 with these credentials on every connection to `server` (call before start). */
export function requirePassword(server: PGLiteSocketServer, credentials: ScramCredentials): void {
  credentialsByQueue.set((server as unknown as { queryQueue: object }).queryQueue, credentials);
}

/** Ends a connection that failed authentication: the error, then close; later bytes are ignored. */
function refuse(handler: Internals, message: Buffer): void {
  handler.auth = { stage: 'closed' };
  handler.messageBuffer = Buffer.alloc(0);
  handler.socket?.end(message);
}

export function installPgliteSocketBatching(): void {
  if (installed) return;
  installed = true;
  const proto = PGLiteSocketHandler.prototype as unknown as Record<string, unknown>;
  proto.handleData = async function handleData(this: Internals, data: Buffer): Promise<number> {
    if (!this.socket || !this.active) return 0;
    this.messageBuffer = Buffer.concat([this.messageBuffer, data]);
    this.pending ??= [];
    let written = 0;
    const onData = (chunk: Uint8Array) => {
      if (chunk.length > 0 && this.socket?.writable && this.active) this.socket.write(Buffer.from(chunk));
      written += chunk.length;
    };
    this.auth ??= { stage: 'startup' };
    while (this.messageBuffer.length > 0 && this.auth.stage !== 'closed') {
      if (this.auth.stage === 'startup' && (this.handleSslRequest() || this.handleCancelRequest())) continue;
      const buf = this.messageBuffer;
      let length = 0;
      // Only the first message of a connection is untyped (a StartupMessage).
      const startup = this.auth.stage === 'startup' && buf.length >= 8 && buf.readInt32BE(4) === STARTUP_PROTOCOL;
      if (startup) length = buf.readInt32BE(0);
      else if (buf.length >= 5) length = 1 + buf.readInt32BE(1);
      if (this.auth.stage !== 'ready' && (length < 0 || length > MAX_AUTH_MESSAGE)) {
        refuse(this, fatalError('08P01', 'invalid startup or authentication message'));
        break;
      }
      if (length === 0 || buf.length < length) break;
      const message = buf.subarray(0, length);
      this.messageBuffer = buf.subarray(length);
      if (this.auth.stage !== 'ready') {
        const ready = authenticate(this, Buffer.from(message), startup);
        if (!ready) continue;
        await this.queryQueue.enqueue(this.id, new Uint8Array(ready), onData);
        continue;
      }
      this.pending.push(Buffer.from(message));
      if (BATCH_END.has(message[0]!)) {
        const batch = Buffer.concat(this.pending);
        this.pending = [];
        await this.queryQueue.enqueue(this.id, new Uint8Array(batch), onData);
      }
    }
    this.dispatchEvent(new CustomEvent('data', { detail: { incoming: data.length, outgoing: written } }));
    return written;
  };
}

/**
 * One step of a connection's authentication. Returns the held-back StartupMessage once the
 * password is verified (for PGlite to answer), else undefined.
 */
function authenticate(handler: Internals, message: Buffer, isStartup: boolean): Buffer | undefined {
  const auth = handler.auth!;
  const credentials = credentialsByQueue.get(handler.queryQueue);
  if (auth.stage === 'startup') {
    if (!isStartup) return void refuse(handler, fatalError('08P01', 'expected a StartupMessage'));
    // No credentials registered: refuse everyone rather than serve without a password.
    if (!credentials) return void refuse(handler, fatalError('28000', 'this server has no password configured'));
    const user = (startupParameters(message).user ?? '').slice(0, 63);
    auth.stage = 'password';
    auth.startup = message;
    auth.handshake = new ScramHandshake(credentials, user);
    handler.socket?.write(auth.handshake.start());
    return undefined;
  }
  const step = auth.handshake!.next(message);
  if (step.done === 'refused') return void refuse(handler, step.send);
  handler.socket?.write(step.send);
  if (step.done !== 'ok') return undefined;
  auth.stage = 'ready';
  return auth.startup;
}
