import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { mountAdminUi } from './admin/admin-static.js';
import { AppModule } from './app.module.js';
import { documentErrors } from './common/api-errors.js';
import { AppLogger } from './common/app-logger.js';
import { ErrorResponseDto } from './common/error-response.dto.js';
import { HttpExceptionFilter, sendError, toErrorBody } from './common/http-exception.filter.js';
import { answerParseErrorAsJson, installPipeline, markInternal } from './common/http-pipeline.js';
import { requestIdFrom } from './common/request-context.js';
import { AJV_OPTIONS, createValidationPipe } from './common/validation.js';
import { APP_CONFIG, type AppConfig } from './config/config.types.js';
import type { StartupConfig } from './startup-config.js';

export type CreateAppOptions = { logger?: AppLogger };

export function buildOpenApi(app: INestApplication) {
  const config = app.get<AppConfig>(APP_CONFIG);
  const doc = new DocumentBuilder()
    .setTitle('oauth-connections')
    .setDescription("Connect users' provider accounts, keep their tokens encrypted and fresh, and hand valid access tokens to backend services.")
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'User session JWT (HS256, SESSION_JWT_SECRET)' }, 'session')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Service JWT (HS256, SERVICE_JWT_SECRET, aud "internal", at most 15 minutes)' },
      'service',
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'oca_<64 hex>', description: 'Admin API key (npm run admin:create -- --email <address> --api-key)' },
      'admin-key',
    )
    .addCookieAuth(
      'oc_admin',
      { type: 'apiKey', in: 'cookie', description: 'Admin UI session (POST /admin/api/session); state-changing calls also send X-CSRF-Token' },
      'admin-cookie',
    )
    .addServer(config.appUrl)
    .build();
  const document = SwaggerModule.createDocument(app, doc, { extraModels: [ErrorResponseDto] });
  documentErrors(app, document);
  return document;
}

// The INTERNAL_PORT server of each app: Fastify's own request handler, on a second socket.
const internalServers = new WeakMap<FastifyInstance, Server>();

/** Listens on PORT and, when set, INTERNAL_PORT (same app, internal routes only there); returns that second server. */
export async function listen(app: NestFastifyApplication, config: AppConfig, port = config.port, host = config.host): Promise<Server | undefined> {
  await app.listen(port, host);
  const internal = internalServers.get(app.getHttpAdapter().getInstance());
  if (config.internalPort === undefined || !internal) return undefined;
  await new Promise<void>((resolve, reject) => internal.once('error', reject).listen(config.internalPort, host, resolve));
  return internal;
}

/** Builds the fully configured application; used by main.ts and every test. */
export async function createApp(config: StartupConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const logger = options.logger ?? new AppLogger(config.logLevel, config.logFormat);
  const bodyLimit = config.bodyLimit;
  let internal: Server | undefined;
  const adapter = new FastifyAdapter({
    loggerInstance: logger.pino,
    // One access-log line per request instead (src/common/http-pipeline.ts), with the request id
    // from the log context rather than a child logger per request.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (root: FastifyBaseLogger) => root,
    genReqId: (req: IncomingMessage) => requestIdFrom(req.headers['x-request-id']),
    requestIdHeader: false,
    bodyLimit,
    ajv: { customOptions: AJV_OPTIONS },
    trustProxy: config.trustProxy as boolean | string, // a hop count works too (fastify's types omit it)
    // As Express routed: any letter case, with or without a trailing slash, parameters of any length.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 16_384 },
    // A URL the router cannot decode is answered in our shape too.
    frameworkErrors: (error: Error, _request: FastifyRequest, reply: FastifyReply) => sendError(reply, toErrorBody(error).body),
    clientErrorHandler: answerParseErrorAsJson,
    serverFactory: (handler: RequestListener) => {
      if (config.internalPort !== undefined) {
        internal = createServer((req: IncomingMessage, res: ServerResponse) => {
          markInternal(req);
          handler(req, res);
        });
        internal.on('clientError', answerParseErrorAsJson);
      }
      return createServer(handler);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { logger, bodyParser: false, abortOnError: false });
  const fastify = app.getHttpAdapter().getInstance();
  if (internal) {
    const server = internal;
    internalServers.set(fastify, server);
    fastify.addHook('onClose', async () => {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
    });
  }

  await installPipeline(fastify, { logger, internalPort: config.internalPort !== undefined, corsOrigins: config.corsOrigins, bodyLimit });
  await mountAdminUi(fastify);
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(createValidationPipe());

  const document = buildOpenApi(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  return app;
}
