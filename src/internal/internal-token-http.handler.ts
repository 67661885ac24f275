import { Inject, Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { JwtVerifierService } from '../auth/jwt-verifier.service.js';
import { logServerError, toErrorBody } from '../common/http-exception.filter.js';
import { requestContext, requestIdFrom } from '../common/request-context.js';
import { staticSecurityHeaders } from '../common/security-headers.js';
import { createValidationPipe } from '../common/validation.js';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { PLATFORM_PATTERN } from '../connections/connections.dto.js';
import { InternalTokenRequestDto } from './internal.dto.js';
import { InternalTokenService } from './internal-token.service.js';

// Only the canonical form: a platform id that passes PlatformParamDto, no query, no trailing slash.
const ROUTE = new RegExp(`^/social/(${PLATFORM_PATTERN.source.replace(/^\^|\$$/g, '')})/internal-token$`);
const JSON_TYPE = /^application\/json\s*(?:;\s*charset="?utf-8"?\s*)?$/i;
const MAX_BODY = 4096;
const JSON_WS = /^[ \t\n\r]*/;
// User ids that class-validator's MinLength(1)/MaxLength(255) certainly accept (it counts some
// Unicode sequences as one character); anything else goes through the validation pipe itself.
const PLAIN_USER_ID = /^[\x20-\x7e]{1,255}$/;

// The route's @Header: Nest sets it once the guard has passed, also on answers that are errors.
const NO_STORE = { 'Cache-Control': 'no-store' };

/**
 * `POST /social/:platform/internal-token` served straight from node:http, ahead of Express and the
 * Nest pipeline: backend jobs call it on every run, and those layers cost about half of each call
 * (bench/README.md). It answers exactly as the Nest route does (same verifier, validation pipe,
 * service, error bodies and headers; test/integration/internal-token-fast-path.spec.ts compares
 * them) and takes only the plain form of the call: anything unusual (another content type or
 * encoding, a query, a chunked or large body) is left to Express, which answers it the usual way.
 */
@Injectable()
export class InternalTokenHttpHandler {
  private readonly logger = new Logger('HttpExceptionFilter');
  private readonly pipe = createValidationPipe();
  private readonly maxBody: number;
  private readonly headers: Record<string, string>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly jwt: JwtVerifierService,
    private readonly internal: InternalTokenService,
  ) {
    this.maxBody = Math.min(MAX_BODY, parseSize(config.bodyLimit));
    this.headers = { ...staticSecurityHeaders(), 'Content-Type': 'application/json; charset=utf-8' };
  }

  /** Takes the request and answers it, or returns false (having read nothing) to leave it to Express. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'POST' || req.url === undefined) return false;
    const route = ROUTE.exec(req.url);
    if (!route) return false;
    const h = req.headers;
    const length = Number(h['content-length']);
    if (!(length > 0 && length <= this.maxBody) || h['transfer-encoding'] !== undefined || h['content-encoding'] !== undefined) return false;
    if (typeof h['content-type'] !== 'string' || !JSON_TYPE.test(h['content-type'])) return false;

    const requestId = requestIdFrom(h['x-request-id']);
    const platform = route[1]!;
    const chunks: Buffer[] = [];
    req.on('error', () => undefined); // the caller went away: nobody to answer
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => requestContext.run({ requestId }, () => void this.answer(req, res, requestId, platform, Buffer.concat(chunks))));
    return true;
  }

  private async answer(req: IncomingMessage, res: ServerResponse, requestId: string, platform: string, raw: Buffer): Promise<void> {
    let authenticated = false;
    try {
      // Same order as Express + Nest: body parser, guard, (route headers,) validation pipe, service.
      const body = parseJsonBody(raw);
      const service = this.jwt.verifyService(JwtVerifierService.bearer(req.headers.authorization));
      authenticated = true;
      const userId = await this.userId(body);
      const token = await this.internal.issue(service, platform, userId);
      this.send(res, requestId, 200, JSON.stringify(token), NO_STORE);
    } catch (exception) {
      const { body, headers } = toErrorBody(exception);
      if (body.statusCode >= 500) logServerError(this.logger, exception);
      this.send(res, requestId, body.statusCode, JSON.stringify(body), authenticated ? { ...NO_STORE, ...headers } : headers);
    }
  }

  private async userId(body: unknown): Promise<string> {
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      const keys = Object.keys(body);
      const userId = (body as { userId?: unknown }).userId;
      if (keys.length === 1 && keys[0] === 'userId' && typeof userId === 'string' && PLAIN_USER_ID.test(userId)) return userId;
    }
    const dto = (await this.pipe.transform(body, { type: 'body', metatype: InternalTokenRequestDto })) as InternalTokenRequestDto;
    return dto.userId;
  }

  private send(res: ServerResponse, requestId: string, status: number, json: string, extra: Record<string, string>): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { ...this.headers, ...extra, 'X-Request-Id': requestId, 'Content-Length': Buffer.byteLength(json) });
    res.end(json);
  }
}

/** What express.json() does with a body: BOM stripped, empty is {}, strict (object or array only). */
function parseJsonBody(raw: Buffer): unknown {
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) return {};
  const first = text[JSON_WS.exec(text)![0].length];
  try {
    if (first !== '{' && first !== '[') throw new SyntaxError('not an object or array');
    return JSON.parse(text) as unknown;
  } catch {
    throw Object.assign(new SyntaxError('Request body is not valid JSON'), { status: 400, type: 'entity.parse.failed' });
  }
}

/** BODY_LIMIT ("64kb", "1mb", "500") in bytes. */
function parseSize(limit: string): number {
  const m = /^(\d+)(b|kb|mb)?$/i.exec(limit);
  if (!m) return 0;
  return Number(m[1]) * ({ b: 1, kb: 1024, mb: 1024 * 1024 } as Record<string, number>)[(m[2] ?? 'b').toLowerCase()]!;
}
