import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';

/**
 * pglite-socket 0.2.17 queues each wire-protocol message separately, so with several client
 * connections the Parse/Bind/Execute of one connection interleave with another's on the single
 * PGlite backend (unnamed statements get swapped; queries return other queries' rows or hang).
 * This patch queues a connection's messages as one unit up to Sync (or a simple Query), which
 * is what a real Postgres backend per connection guarantees. The package version is pinned
 * exactly; the two-instance race in test/integration/token-lifecycle.spec.ts fails without it.
 */
type Internals = {
  socket: { writable: boolean; write: (b: Buffer) => void } | null;
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
const BATCH_END = new Set(['S'.charCodeAt(0), 'Q'.charCodeAt(0), 'H'.charCodeAt(0), 'c'.charCodeAt(0), 'f'.charCodeAt(0)]);

let installed = false;

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
    while (this.messageBuffer.length > 0) {
      if (this.handleSslRequest() || this.handleCancelRequest()) continue;
      const buf = this.messageBuffer;
      let length = 0;
      let startup = false;
      if (buf.length >= 8 && buf.readInt32BE(4) === STARTUP_PROTOCOL) {
        length = buf.readInt32BE(0);
        startup = true;
      } else if (buf.length >= 5) {
        length = 1 + buf.readInt32BE(1);
      }
      if (length === 0 || buf.length < length) break;
      const message = buf.subarray(0, length);
      this.messageBuffer = buf.subarray(length);
      this.pending.push(Buffer.from(message));
      if (startup || BATCH_END.has(message[0]!)) {
        const batch = Buffer.concat(this.pending);
        this.pending = [];
        await this.queryQueue.enqueue(this.id, new Uint8Array(batch), onData);
      }
    }
    this.dispatchEvent(new CustomEvent('data', { detail: { incoming: data.length, outgoing: written } }));
    return written;
  };
}
