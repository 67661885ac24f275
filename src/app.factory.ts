import type { INestApplication } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { type NextFunction, type Request, type Response } from 'express';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { mountAdminUi } from './admin/admin-static.js';
import { AppModule } from './app.module.js';
import { documentErrors } from './common/api-errors.js';
import { AppLogger } from './common/app-logger.js';
import { ErrorResponseDto } from './common/error-response.dto.js';
import { HttpExceptionFilter, sendError, toErrorBody } from './common/http-exception.filter.js';
import { requestContext, requestIdFrom } from './common/request-context.js';
import { securityHeaders } from './common/security-headers.js';
import { MediaTypeInterceptor } from './common/media-type.interceptor.js';
import { createValidationPipe } from './common/validation.js';
import { APP_CONFIG, type AppConfig } from './config/config.types.js';
import { InternalTokenHttpHandler } from './internal/internal-token-http.handler.js';

export type CreateAppOptions = { logger?: AppLogger };

export function buildOpenApi(app: INestApplication) {
  const config = app.get<AppConfig>(APP_CONFIG);
  const doc = new DocumentBuilder()
    .setTitle('oauth-connections')
    .setDescription('Connect users\' provider accounts, keep their tokens encrypted and fresh, and hand valid access tokens to backend services.')
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'User session JWT (HS256, SESSION_JWT_SECRET)' }, 'session')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Service JWT (HS256, SERVICE_JWT_SECRET, aud "internal", at most 15 minutes)' }, 'service')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'oca_<64 hex>', description: 'Admin API key (npm run admin:create -- --email <address> --api-key)' }, 'admin-key')
    .addCookieAuth('oc_admin', { type: 'apiKey', in: 'cookie', description: 'Admin UI session (POST /admin/api/session); state-changing calls also send X-CSRF-Token' }, 'admin-cookie')
    .addServer(config.appUrl)
    .build();
  const document = SwaggerModule.createDocument(app, doc, { extraModels: [ErrorResponseDto] });
  documentErrors(app, document);
  return document;
}

/** Requests Node rejects before Express (oversized headers, broken HTTP) still get our JSON error shape. */
function answerParseErrorsAsJson(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify(tooLarge ? { statusCode: 431, error: 'request_header_fields_too_large', message: 'Request headers are too large' } : { statusCode: 400, error: 'bad_request', message: 'Malformed HTTP request' });
    socket.end(`HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}

/**
 * Requests go to the internal-token fast path first (it takes only canonical internal-token calls
 * and answers them exactly as the Nest route would), everything else to Express.
 */
function dispatcher(app: NestExpressApplication, onInternalPort: boolean): (req: IncomingMessage, res: ServerResponse) => void {
  const fastPath = app.get(InternalTokenHttpHandler);
  const expressApp = app.getHttpAdapter().getInstance();
  return (req, res) => {
    if (onInternalPort) (req as InternalPortRequest)[VIA_INTERNAL_PORT] = true;
    if (!fastPath.handle(req, res)) expressApp(req, res);
  };
}

// Marks requests that arrived on the INTERNAL_PORT server (whatever port number it got).
const VIA_INTERNAL_PORT = Symbol('viaInternalPort');
type InternalPortRequest = IncomingMessage & { [VIA_INTERNAL_PORT]?: true };
// Express routes case-insensitively and ignores a trailing slash: so does this test.
const INTERNAL_ROUTE = /^\/social\/[^/]+\/internal-token\/?$/i;

/** Listens on PORT and, when set, INTERNAL_PORT (same app, internal routes only there); returns that second server. */
export async function listen(app: NestExpressApplication, config: AppConfig, port = config.port, host = config.host): Promise<Server | undefined> {
  await app.init();
  const main = app.getHttpServer() as Server;
  if (config.internalPort === undefined) main.removeAllListeners('request').on('request', dispatcher(app, false));
  await app.listen(port, host);
  answerParseErrorsAsJson(main);
  if (config.internalPort === undefined) return undefined;
  const internal = createServer(dispatcher(app, true));
  answerParseErrorsAsJson(internal);
  await new Promise<void>((resolve, reject) => internal.once('error', reject).listen(config.internalPort, host, resolve));
  const close = app.close.bind(app);
  app.close = async () => {
    await new Promise<void>((resolve) => internal.close(() => resolve()));
    await close();
  };
  return internal;
}

/**
 * Pages on CORS_ORIGINS may call the user and service API with an Authorization header. No
 * credentials (cookies) are allowed, and the admin UI's routes never answer cross-origin.
 */
function enableCors(app: NestExpressApplication, origins: string[]): void {
  const allowed = new Set(origins);
  app.enableCors((req: Request, callback: (error: Error | null, options: object) => void) => {
    const adminRoute = /^\/(admin|metrics)(\/|$)/i.test(req.path);
    callback(null, {
      origin: !adminRoute && allowed.has(req.headers.origin ?? ''),
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
      maxAge: 600,
    });
  });
}

/** Builds the fully configured application; used by main.ts and every test. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestExpressApplication> {
  const logger = options.logger ?? new AppLogger(config.logLevel, config.logFormat);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { logger, bodyParser: false, abortOnError: false });
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use((req: Request, res: Response, next: NextFunction) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', requestId);
    requestContext.run({ requestId }, next);
  });
  if (config.internalPort !== undefined) {
    // Internal routes answer only on INTERNAL_PORT, and that port serves nothing else but health.
    app.use((req: Request, res: Response, next: NextFunction) => {
      const onInternal = (req as InternalPortRequest)[VIA_INTERNAL_PORT] === true;
      const internalRoute = INTERNAL_ROUTE.test(req.path);
      if (internalRoute === onInternal || req.path.startsWith('/health')) return next();
      sendError(res, { statusCode: 404, error: 'not_found', message: 'Route not found' });
    });
  }
  if (config.corsOrigins.length > 0) enableCors(app, config.corsOrigins);
  app.use(securityHeaders());
  // Body parsers wrapped so their errors (bad JSON, too large) get our error shape, not Express's HTML.
  const parsers = [express.json({ limit: config.bodyLimit }), express.urlencoded({ extended: false, limit: config.bodyLimit, parameterLimit: 100 })];
  for (const parser of parsers) {
    app.use((req: Request, res: Response, next: NextFunction) => parser(req, res, (err?: unknown) => (err ? sendError(res, toErrorBody(err).body) : next())));
  }

  mountAdminUi(app);
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalInterceptors(new MediaTypeInterceptor(app.get(Reflector)));
  app.useGlobalPipes(createValidationPipe());

  const document = buildOpenApi(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  return app;
}
