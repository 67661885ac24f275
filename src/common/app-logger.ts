import type { LoggerService } from '@nestjs/common';
import type { LogLevel } from '../config/config.types.js';
import { redact, redactString } from './redact.js';
import { requestContext } from './request-context.js';
import { escapeControl } from './safe-text.js';

const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3, verbose: 4 };

export type LogSink = (line: string) => void;

/**
 * Structured logger: JSON lines in production, readable lines in development. Every message and
 * field goes through redaction, so a token passed by mistake is still not written.
 */
export class AppLogger implements LoggerService {
  constructor(
    private readonly level: LogLevel,
    private readonly format: 'json' | 'pretty',
    private readonly sink: LogSink = (line) => process.stdout.write(`${line}\n`),
  ) {}

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
    this.write('verbose', message, rest);
  }

  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (LEVELS[level] > LEVELS[this.level]) return;
    // Nest passes the context as the last string argument.
    const args = [...rest];
    const context = typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    const fields = args.length === 1 && args[0] && typeof args[0] === 'object' ? (redact(args[0]) as Record<string, unknown>) : args.length ? { details: redact(args) } : {};
    const text = typeof message === 'string' ? redactString(message) : JSON.stringify(redact(message));
    const requestId = requestContext.getStore()?.requestId;
    // One event, one line: control characters in anything (a provider's error code, a username, a
    // request id) are escaped, never written. JSON.stringify leaves U+2028/2029 and C1 raw, so JSON
    // lines get the same treatment (only string contents can hold them, and \uXXXX is valid JSON).
    if (this.format === 'json') {
      this.sink(escapeControl(JSON.stringify({ time: new Date().toISOString(), level, context, msg: text, ...(requestId ? { requestId } : {}), ...fields })));
    } else {
      const extra = Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
      this.sink(escapeControl(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${context ? `[${context}] ` : ''}${text}${requestId ? ` (req ${requestId})` : ''}${extra}`));
    }
  }
}
