import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { AppException } from './app.exception.js';
import { CommonException } from './common.exception.js';
import { collectRoutes } from './routes.js';

/**
 * Error documentation built from the real exceptions: each route lists the exceptions it can
 * answer (`@ApiErrors(SomeException.x(...))`), and the OpenAPI document gets, per status, the
 * body schema with that route's codes as an enum, one example body per code, and the headers
 * those answers carry (Retry-After, WWW-Authenticate).
 */
const API_ERRORS = Symbol('apiErrors');

type Decorated = { [API_ERRORS]?: AppException[] };

/** Adds errors to a route, or to every route of a controller. Repeatable; duplicates collapse. */
export function ApiErrors(...errors: AppException[]): ClassDecorator & MethodDecorator {
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder = (descriptor?.value ?? target) as Decorated;
    holder[API_ERRORS] = [...(holder[API_ERRORS] ?? []), ...errors];
    return descriptor ?? target;
  }) as ClassDecorator & MethodDecorator;
}

/** Errors every route that reads the database can answer. */
export const DATABASE_ERRORS = [CommonException.databaseUnavailable(), CommonException.databaseBusy()];

// Any request may carry a body, parsed before routing: these answers are possible on every route.
const TRANSPORT_ERRORS = [
  CommonException.invalidJson(),
  CommonException.payloadTooLarge(),
  CommonException.unsupportedMediaType(['application/json'], 'application/x-www-form-urlencoded'),
];

/** Errors every route taking a JSON body can answer; `example` is one of its validation messages. */
export function jsonBodyErrors(example: string): AppException[] {
  return [
    CommonException.validationFailed(example),
    CommonException.invalidJson(),
    CommonException.payloadTooLarge(),
    CommonException.unsupportedMediaType(['application/json'], 'application/x-www-form-urlencoded'),
  ];
}

const HEADER_DOCS: Record<string, { description: string; schema: { type: string } }> = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
  'WWW-Authenticate': { description: 'The authentication scheme expected (`Bearer`)', schema: { type: 'string' } },
};

type Operation = { responses: Record<string, unknown> };

/** Writes the declared errors of every route into the document (replacing any hand-written error responses). */
export function documentErrors(app: INestApplication, document: OpenAPIObject): void {
  for (const route of collectRoutes(app)) {
    const declared = [
      ...((route.controller as Decorated)[API_ERRORS] ?? []),
      ...((route.handler as Decorated)[API_ERRORS] ?? []),
      ...TRANSPORT_ERRORS,
      CommonException.internalError(),
    ];
    const operation = (document.paths[route.path.replace(/:(\w+)/g, '{$1}')] as Record<string, Operation> | undefined)?.[route.method.toLowerCase()];
    if (!operation) continue;
    const byStatus = new Map<number, Map<string, AppException>>();
    for (const error of declared) {
      const codes = byStatus.get(error.status) ?? new Map<string, AppException>();
      if (!codes.has(error.code)) codes.set(error.code, error);
      byStatus.set(error.status, codes);
    }
    for (const status of Object.keys(operation.responses)) if (Number(status) >= 400) delete operation.responses[status];
    for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
      const errors = [...codes.values()];
      const headers = Object.fromEntries(
        [...new Set(errors.flatMap((e) => Object.keys(e.headers)))].map((h) => [h, HEADER_DOCS[h] ?? { description: h, schema: { type: 'string' } }]),
      );
      operation.responses[String(status)] = {
        description: errors.map((e) => `\`${e.code}\`${Object.keys(e.headers).length ? ` (with ${Object.keys(e.headers).join(', ')})` : ''}`).join(', '),
        ...(Object.keys(headers).length ? { headers } : {}),
        content: {
          'application/json': {
            schema: {
              allOf: [
                { $ref: '#/components/schemas/ErrorResponseDto' },
                { type: 'object', properties: { statusCode: { type: 'integer', enum: [status] }, error: { type: 'string', enum: errors.map((e) => e.code) } } },
              ],
            },
            examples: Object.fromEntries(errors.map((e) => [e.code, { value: { ...e.extra, statusCode: e.status, error: e.code, message: e.message } }])),
          },
        },
      };
    }
  }
}
