import { type ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { CommonException } from './common.exception.js';

function flattenValidation(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    // A missing field is one problem, not every rule its absent value breaks.
    if (e.value === undefined && e.constraints && !e.constraints.whitelistValidation) return [`${path} is required`];
    const own = Object.values(e.constraints ?? {});
    return [...own.map((m) => (m.startsWith(e.property) ? m.replace(e.property, path) : `${path}: ${m}`)), ...flattenValidation(e.children ?? [], path)];
  });
}

/**
 * Fastify's validator, for the routes that declare a JSON schema (@RouteSchema): no coercion and
 * nothing removed, so a schema can only accept or refuse what the client sent.
 */
export const AJV_OPTIONS = { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } as const;

// Request parts (body, params) that passed their route's JSON schema in Fastify (src/common/http-pipeline.ts).
const schemaValidated = new WeakSet<object>();
export const markSchemaValidated = (part: unknown): void => void (part && typeof part === 'object' && schemaValidated.add(part));

/**
 * A route's JSON schema is narrower than its DTO's rules (test/unit/route-schema.spec.ts checks it),
 * so what passed it is valid and skips class-validator; anything else is checked by class-validator,
 * which accepts it or answers its usual messages. The DTO stays the one definition of the rules.
 */
class AppValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype } = metadata;
    if (metatype && typeof value === 'object' && value !== null && schemaValidated.has(value))
      return Object.assign(Object.create(metatype.prototype as object) as object, value);
    return super.transform(value, metadata);
  }
}

/** The one validation pipe: unknown fields are refused and every problem is reported at once. */
export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => CommonException.validationFailed(flattenValidation(errors).join('; ')),
  });
}
