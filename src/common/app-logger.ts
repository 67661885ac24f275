import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/config.types.js';
import { redact, redactString } from './redact.js';
import { requestContext } from './request-context.js';

export type LogSink = (line: string) => void;

// pino has no "verbose": it is pino's trace level, written as "verbose".
const PINO_LEVEL: Record<LogLevel, string> = { error: 'error', warn: 'warn', info: 'info', debug: 'debug', verbose: 'trace' };
const LABEL: Record<number, string> = { 10: 'verbose', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'error' };

/** Structural paths pino censors before anything else (headers of a logged request or response). */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.secret',
];

// C0/C1 controls and the JS line separators: a provider string with "\r\n" must never start a forged line.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const escapeControls = (text: string): string =>
  text.replace(CONTROL, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));

/** pino's JSON line -> the development format: `time LEVEL [context] message (req id) {fields}`. */
export function prettyLine(json: string): string {
  const { time, level, context, msg, requestId, ...fields } = JSON.parse(json) as Record<string, unknown>;
  const extra = Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
  const text = escapeControls(typeof msg === 'string' ? msg : JSON.stringify(msg ?? ''));
  const ctx = typeof context === 'string' ? `[${escapeControls(context)}] ` : '';
  const req = typeof requestId === 'string' ? ` (req ${escapeControls(requestId)})` : '';
  return `${String(time)} ${String(level).toUpperCase().padEnd(5)} ${ctx}${text}${req}${escapeControls(extra)}`;
}

/**
 * The one logger: a pino instance (also Fastify's, so its own lines look the same), wrapped as
 * Nest's LoggerService. JSON lines, or readable ones in development; every message and field is
 * redacted (pino's `redact` paths, then the deep scrubber of src/common/redact.ts), and lines
 * written during a request carry its id.
 */
export class AppLogger implements LoggerService {
  readonly pino: Logger;

  constructor(level: LogLevel, format: 'json' | 'pretty', sink: LogSink = (line) => process.stdout.write(`${line}\n`)) {
    // JSON.stringify escapes C0 controls but leaves C1 and U+2028/U+2029 raw, which some readers take
    // as line breaks: escape them too (only string contents can hold them, and \uXXXX is valid JSON).
    const write = format === 'json' ? (line: string) => sink(escapeControls(line)) : (line: string) => sink(prettyLine(line));
    this.pino = pino(
      {
        level: PINO_LEVEL[level],
        base: undefined,
        messageKey: 'msg',
        timestamp: pino.stdTimeFunctions.isoTime,
        redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
        formatters: {
          level: (_label, number) => ({ level: LABEL[number] ?? 'info' }),
          log: (object) => redact(object) as Record<string, unknown>,
        },
        hooks: {
          // Fastify's own lines too: their messages are scrubbed like ours.
          logMethod(args, method) {
            method.apply(this, args.map((a) => (typeof a === 'string' ? redactString(a) : a)) as Parameters<typeof method>);
          },
        },
        mixin: (object) => {
          if ((object as { requestId?: unknown }).requestId !== undefined) return {};
          const requestId = requestContext.getStore()?.requestId;
          return requestId ? { requestId } : {};
        },
      },
      { write: (chunk: string) => write(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) },
    );
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  private write(level: 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, rest: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    // Nest passes the context as the last string argument.
    const args = [...rest];
    const context = typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    const fields = args.length === 1 && args[0] && typeof args[0] === 'object' ? (args[0] as Record<string, unknown>) : args.length ? { details: args } : {};
    const text = typeof message === 'string' ? message : JSON.stringify(redact(message));
    this.pino[level]({ context, ...fields }, text);
  }
}
