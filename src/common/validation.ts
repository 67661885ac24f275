import { ValidationPipe } from '@nestjs/common';
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

/** The one validation pipe: unknown fields are refused and every problem is reported at once. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => CommonException.validationFailed(flattenValidation(errors).join('; ')),
  });
}
