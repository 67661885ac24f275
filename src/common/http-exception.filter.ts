import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DecryptionError } from '../crypto/crypto.exception.js';
import { AppException } from './app.exception.js';
import { CommonException } from './common.exception.js';
import { JSON_ONLY } from './media-type.js';

export type ErrorBody = { statusCode: number; error: string; message: string; [extra: string]: unknown };

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  431: 'request_header_fields_too_large',
  500: 'internal_error',
  503: 'service_unavailable',
};

// The database cannot be reached (as opposed to a failing query): socket errors, Postgres
// shutting down or refusing connections, and the pg driver's own connection failures.
const DB_UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const DB_UNREACHABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable)/;

// lock_not_available (DB_LOCK_TIMEOUT_MS) and query_canceled (DB_STATEMENT_TIMEOUT_MS): the database
// is reachable but this statement waited too long; a retry usually succeeds.
const DB_BUSY_CODES = new Set(['55P03', '57014']);

function pgCode(exception: unknown): string | undefined {
  const e = exception as { code?: unknown; driverError?: { code?: unknown } } | null | undefined;
  const code = e?.code ?? e?.driverError?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for a pg/TypeORM error meaning the database is unreachable (TypeORM wraps it as `driverError`). */
export function isDatabaseUnavailable(exception: unknown): boolean {
  const e = exception as { code?: unknown; message?: unknown; driverError?: unknown } | null | undefined;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && DB_UNREACHABLE_CODES.has(e.code)) return true;
  if (typeof e.message === 'string' && DB_UNREACHABLE_MESSAGES.test(e.message)) return true;
  return e.driverError !== undefined && e.driverError !== e && isDatabaseUnavailable(e.driverError);
}

function fastifyErrorCode(exception: unknown): string | undefined {
  const e = exception as { code?: unknown; cause?: { code?: unknown } } | null | undefined;
  const code = e?.cause?.code ?? e?.code;
  return typeof code === 'string' && code.startsWith('FST_') ? code : undefined;
}

function fromApp(e: AppException): { body: ErrorBody; headers: Record<string, string> } {
  return { body: { ...e.extra, statusCode: e.status, error: e.code, message: e.message }, headers: e.headers };
}

/** Turns anything thrown into `{ statusCode, error, message }` without leaking internals. */
export function toErrorBody(exception: unknown): { body: ErrorBody; headers: Record<string, string> } {
  if (exception instanceof AppException) return fromApp(exception);
  // Fastify's own errors (Nest wraps those below 500 in an HttpException, the original as its cause)
  const fastifyCode = fastifyErrorCode(exception);
  if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') return fromApp(CommonException.payloadTooLarge());
  if (fastifyCode === 'FST_ERR_CTP_INVALID_JSON_BODY' || fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY') return fromApp(CommonException.invalidJson());
  if (fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return fromApp(CommonException.unsupportedMediaType(JSON_ONLY));
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) return fromApp(CommonException.routeNotFound()); // Nest's default echoes the URL, which may carry a secret.
    const response = exception.getResponse() as string | { message?: unknown; error?: unknown };
    let message = typeof response === 'string' ? response : response.message;
    if (Array.isArray(message)) message = message.join('; ');
    let code = STATUS_CODES[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
    if (typeof response === 'object' && typeof response.error === 'string' && /^[a-z_]+$/.test(response.error)) code = response.error;
    return { body: { statusCode: status, error: code, message: typeof message === 'string' && message ? message : code.replace(/_/g, ' ') }, headers: {} };
  }
  // http-errors style exceptions (a stream error while reading the body)
  const e = exception as { status?: number; statusCode?: number; type?: string; expose?: boolean } | undefined;
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (e?.type === 'entity.parse.failed') return fromApp(CommonException.invalidJson());
    if (e?.type === 'entity.too.large') return fromApp(CommonException.payloadTooLarge());
    if (e?.type === 'charset.unsupported') return fromApp(CommonException.unsupportedCharset());
    if (e?.type === 'encoding.unsupported') return fromApp(CommonException.unsupportedEncoding());
    const code = STATUS_CODES[status] ?? 'bad_request';
    return { body: { statusCode: status, error: code, message: code.replace(/_/g, ' ') }, headers: {} };
  }
  if (exception instanceof URIError) return { body: { statusCode: 400, error: 'bad_request', message: 'Malformed URL encoding' }, headers: {} };
  if (exception instanceof DecryptionError) return fromApp(CommonException.credentialUnreadable());
  if (DB_BUSY_CODES.has(pgCode(exception) ?? '')) return fromApp(CommonException.databaseBusy());
  if (isDatabaseUnavailable(exception)) return fromApp(CommonException.databaseUnavailable());
  return fromApp(CommonException.internalError());
}

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<FastifyReply>();
    const { body, headers } = toErrorBody(exception);
    if (body.statusCode >= 500) this.log(exception, body);
    sendError(res, body, headers);
  }

  private readonly quiet = new Map<string, { until: number; suppressed: number }>();

  /**
   * Bugs and unreadable credentials are logged every time. A database outage answers every caller
   * 503: one warning per code every 10 s (with the count it stood for), not a line per request.
   * Other deliberate 503s (provider_unavailable...) are logged by the service that decided them.
   */
  private log(exception: unknown, body: ErrorBody): void {
    if (exception instanceof AppException && body.error !== 'internal_error') return;
    if (body.error !== 'database_unavailable' && body.error !== 'database_busy') return logServerError(this.logger, exception);
    const now = Date.now();
    const window = this.quiet.get(body.error);
    if (window && now < window.until) return void window.suppressed++;
    const more = window?.suppressed ? ` (${window.suppressed} more answered the same in the last 10 s)` : '';
    this.quiet.set(body.error, { until: now + 10_000, suppressed: 0 });
    this.logger.warn(`Answering 503 ${body.error}: ${(exception as Error)?.message ?? String(exception)}${more}`);
  }
}

/** A 5xx answer is logged with the error and the top of its stack (the logger redacts secrets). */
export function logServerError(logger: Logger, exception: unknown): void {
  const err = exception as Error;
  logger.error(`Unhandled ${err?.name ?? 'error'}: ${err?.message ?? String(exception)}`, { stack: err?.stack?.split('\n').slice(1, 6).join(' | ') });
}

export function sendError(reply: FastifyReply, body: ErrorBody, headers: Record<string, string> = {}): void {
  if (reply.sent || reply.raw.headersSent) return;
  // A Fastify reply is thenable; send() writes now and reports its own errors to Fastify's error handler.
  void reply.code(body.statusCode).headers(headers).type('application/json; charset=utf-8').send(body);
}
