import { BadRequestException, type INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ValidationError } from 'class-validator';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { mountAdminUi } from './admin/admin-static.js';
import { AppModule } from './app.module.js';
import { AppLogger } from './common/app-logger.js';
import { HttpExceptionFilter, sendError, toErrorBody } from './common/http-exception.filter.js';
import { requestContext } from './common/request-context.js';
import type { AppConfig } from './config/config.types.js';

export type CreateAppOptions = { logger?: AppLogger };

function flattenValidation(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {});
    return [...own.map((m) => (m.startsWith(e.property) ? m.replace(e.property, path) : `${path}: ${m}`)), ...flattenValidation(e.children ?? [], path)];
  });
}

export function buildOpenApi(app: INestApplication) {
  const doc = new DocumentBuilder()
    .setTitle('oauth-connections')
    .setDescription('Connect users\' provider accounts, keep their tokens encrypted and fresh, and hand valid access tokens to backend services.')
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'User session JWT (HS256, SESSION_JWT_SECRET)' }, 'session')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Service JWT (HS256, SERVICE_JWT_SECRET, aud "internal", at most 15 minutes)' }, 'service')
    .build();
  return SwaggerModule.createDocument(app, doc);
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

/** Listens on PORT and, when set, INTERNAL_PORT (same app, internal routes only there). */
export async function listen(app: NestExpressApplication, config: AppConfig, port = config.port, host = config.host): Promise<void> {
  await app.listen(port, host);
  answerParseErrorsAsJson(app.getHttpServer() as Server);
  if (config.internalPort === undefined) return;
  const internal = createServer(app.getHttpAdapter().getInstance());
  answerParseErrorsAsJson(internal);
  await new Promise<void>((resolve, reject) => internal.once('error', reject).listen(config.internalPort, host, resolve));
  const close = app.close.bind(app);
  app.close = async () => {
    await new Promise<void>((resolve) => internal.close(() => resolve()));
    await close();
  };
}

/** Builds the fully configured application; used by main.ts and every test. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestExpressApplication> {
  const logger = options.logger ?? new AppLogger(config.logLevel, config.logFormat);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { logger, bodyParser: false, abortOnError: false });
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    requestContext.run({ requestId }, next);
  });
  if (config.internalPort !== undefined) {
    // Internal routes answer only on INTERNAL_PORT, and that port serves nothing else but health.
    const internalPort = config.internalPort;
    app.use((req: Request, res: Response, next: NextFunction) => {
      const onInternal = req.socket.localPort === internalPort;
      const internalRoute = /^\/social\/[^/]+\/internal-token\/?$/.test(req.path);
      if (internalRoute === onInternal || req.path.startsWith('/health')) return next();
      sendError(res, { statusCode: 404, error: 'not_found', message: 'Route not found' });
    });
  }
  // No upgrade-insecure-requests: the admin UI must also load on plain-http internal hosts.
  app.use(helmet({ contentSecurityPolicy: { directives: { 'script-src': ["'self'", "'unsafe-inline'"], 'upgrade-insecure-requests': null } } }));
  // Body parsers wrapped so their errors (bad JSON, too large) get our error shape, not Express's HTML.
  const parsers = [express.json({ limit: config.bodyLimit }), express.urlencoded({ extended: false, limit: config.bodyLimit, parameterLimit: 100 })];
  for (const parser of parsers) {
    app.use((req: Request, res: Response, next: NextFunction) => parser(req, res, (err?: unknown) => (err ? sendError(res, toErrorBody(err).body) : next())));
  }

  mountAdminUi(app);
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
      exceptionFactory: (errors) => new BadRequestException({ error: 'validation_failed', message: flattenValidation(errors).join('; ') }),
    }),
  );

  const document = buildOpenApi(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  return app;
}
