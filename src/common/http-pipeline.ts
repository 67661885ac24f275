import fastifyCors from '@fastify/cors';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import type { AppLogger } from './app-logger.js';
import { CommonException } from './common.exception.js';
import { JSON_ONLY } from './media-type.js';
import { requestContext } from './request-context.js';
import { markSchemaValidated } from './validation.js';
import { DOCS_SECURITY_HEADERS, helmetHeaders, isDocsRoute, SECURITY_HEADERS } from './security-headers.js';

// Marks requests that arrived on the INTERNAL_PORT server (whatever port number it got).
export const VIA_INTERNAL_PORT = Symbol('viaInternalPort');
type MarkedRequest = IncomingMessage & { [VIA_INTERNAL_PORT]?: true };
export const markInternal = (req: IncomingMessage): void => void ((req as MarkedRequest)[VIA_INTERNAL_PORT] = true);

/** The route pattern served only on INTERNAL_PORT when it is set (the router resolves every spelling to it). */
export const INTERNAL_TOKEN_ROUTE = '/social/:platform/internal-token';
/** Every route for backend jobs: with INTERNAL_PORT, served there and nowhere else. */
export const INTERNAL_ROUTES: ReadonlySet<string> = new Set([INTERNAL_TOKEN_ROUTE, '/social/connections/:connectionId/token-rejected']);
const HEALTH_ROUTE = /^\/health(\/|$)/;
const ADMIN_ROUTE = /^\/(admin|metrics)(\/|$)/i;
const UTF8 = /^"?utf-?8"?$/i;
const ENCODINGS = new Set(['identity', 'gzip', 'deflate']);

export type PipelineOptions = { logger: AppLogger; internalPort: boolean; corsOrigins: string[]; bodyLimit: number };

const hasBody = (req: IncomingMessage): boolean => {
  const length = req.headers['content-length'];
  return length !== undefined ? length !== '0' : req.headers['transfer-encoding'] !== undefined;
};

/** The media types the matched route takes: `@Consumes` puts them in its Fastify route config. */
export const acceptedTypes = (request: FastifyRequest): readonly string[] =>
  (request.routeOptions.config as { consumes?: string[] } | undefined)?.consumes ?? JSON_ONLY;

/**
 * Everything around the routes, as Fastify hooks and plugins, in the order a request meets them:
 * request id (header and log context), INTERNAL_PORT isolation, CORS, security headers, the body's
 * media type, charset and encoding, then Fastify's own parsers (strict JSON within BODY_LIMIT; form
 * bodies only where a route declares them), and one access-log line per answer.
 */
export async function installPipeline(fastify: FastifyInstance, options: PipelineOptions): Promise<void> {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    requestContext.run({ requestId: request.id }, done);
  });

  if (options.internalPort) {
    // Internal routes answer only on INTERNAL_PORT, and that port serves nothing else but health.
    fastify.addHook('onRequest', (request, _reply, done) => {
      const route = request.routeOptions.url;
      const onInternal = (request.raw as MarkedRequest)[VIA_INTERNAL_PORT] === true;
      if (INTERNAL_ROUTES.has(route ?? '') === onInternal || (route !== undefined && HEALTH_ROUTE.test(route))) return done();
      done(CommonException.routeNotFound());
    });
  }

  if (options.corsOrigins.length > 0) {
    // Pages on CORS_ORIGINS may call the user and service API with an Authorization header. No
    // credentials (cookies), and the admin UI's routes never answer cross-origin.
    const allowed = new Set(options.corsOrigins);
    await fastify.register(fastifyCors, {
      delegator: (request, callback) => {
        // The matched route, and the path as sent (a preflight matches no route).
        const adminRoute = ADMIN_ROUTE.test(request.routeOptions.url ?? '') || ADMIN_ROUTE.test(request.url);
        callback(null, {
          origin: !adminRoute && allowed.has(request.headers.origin ?? ''),
          methods: 'GET,POST,PATCH,DELETE',
          allowedHeaders: 'Authorization,Content-Type,X-Request-Id',
          exposedHeaders: 'X-Request-Id,Retry-After',
          maxAge: 600,
          strictPreflight: false,
        });
      },
    });
  }

  const [everywhere, onDocs] = await Promise.all([helmetHeaders(SECURITY_HEADERS), helmetHeaders(DOCS_SECURITY_HEADERS)]);
  fastify.addHook('onRequest', (request, reply, done) => {
    // On the Node response, as helmet does: every answer carries them, errors and 404s included.
    for (const [name, value] of isDocsRoute(request.routeOptions.url ?? '') ? onDocs : everywhere) reply.raw.setHeader(name, value);
    done();
  });

  // A body the route does not take is refused before it is read, naming the type it expects.
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (request.is404 || !hasBody(request.raw)) return done();
    const accepted = acceptedTypes(request);
    const [type = '', ...params] = (request.headers['content-type'] ?? '').split(';');
    const sent = type.trim().toLowerCase() || undefined;
    if (!sent || !accepted.includes(sent)) return done(CommonException.unsupportedMediaType(accepted, sent));
    const charset = params.map((p) => p.trim().split('=')).find(([k]) => k?.toLowerCase() === 'charset')?.[1];
    if (charset !== undefined && !UTF8.test(charset.trim())) return done(CommonException.unsupportedCharset());
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding !== undefined && !ENCODINGS.has(encoding)) return done(CommonException.unsupportedEncoding());
    done();
  });
  // gzip/deflate bodies are inflated by zlib; BODY_LIMIT applies to the inflated bytes.
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding !== 'gzip' && encoding !== 'deflate') return done(null, payload);
    const inflate = encoding === 'gzip' ? createGunzip() : createInflate();
    const counted = inflate as typeof inflate & { receivedEncodedLength: number };
    counted.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => void (counted.receivedEncodedLength += chunk.length));
    payload.on('error', (error) => inflate.destroy(error));
    inflate.on('error', (error) => Object.assign(error, { status: 400, type: 'entity.parse.failed' }));
    done(null, payload.pipe(inflate));
  });

  // A route's JSON schema never answers by itself: what it refuses goes to class-validator (src/common/validation.ts).
  fastify.addHook('onRoute', (route) => {
    if (route.schema) route.attachValidation = true;
  });
  fastify.addHook('preHandler', (request, _reply, done) => {
    const schema = request.routeOptions.schema;
    if (schema && !request.validationError) {
      if (schema.body) markSchemaValidated(request.body);
      if (schema.params) markSchemaValidated(request.params);
    }
    done();
  });

  fastify.removeAllContentTypeParsers();
  const json = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: options.bodyLimit }, (request, body, done) => {
    // An empty body is no body (as express.json() had it); otherwise strict: an object or an array.
    if (body === '') return done(null, undefined);
    // Fastify's default parser answers through the callback; its type also allows a promise, which it never returns.
    void json(request, body as string, (error, parsed) =>
      error || typeof parsed !== 'object' || parsed === null ? done(CommonException.invalidJson(), undefined) : done(null, parsed),
    );
  });
  await fastify.register(fastifyFormbody, { bodyLimit: options.bodyLimit });

  fastify.addHook('onResponse', (request, reply, done) => {
    // Method, route pattern, status, duration, id: never the URL, whose query may carry an OAuth code.
    const route = request.routeOptions.url ?? null;
    const durationMs = Math.round(reply.elapsedTime * 10) / 10;
    options.logger.pino.info(
      { context: 'HTTP', method: request.method, route, status: reply.statusCode, durationMs, requestId: request.id },
      `${request.method} ${route ?? '(no route)'} ${reply.statusCode} ${durationMs} ms`,
    );
    done();
  });
}

/** Requests Node rejects before Fastify (oversized headers, broken HTTP) still get our JSON error shape. */
export function answerParseErrorAsJson(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) return void socket.destroy();
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify(
    tooLarge
      ? { statusCode: 431, error: 'request_header_fields_too_large', message: 'Request headers are too large' }
      : { statusCode: 400, error: 'bad_request', message: 'Malformed HTTP request' },
  );
  socket.end(
    `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
