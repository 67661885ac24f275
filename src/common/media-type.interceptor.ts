import { applyDecorators, type CallHandler, type ExecutionContext, Injectable, type NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiConsumes } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { CommonException } from './common.exception.js';

const CONSUMES = 'oc:consumes';
const JSON_ONLY: readonly string[] = ['application/json'];

/** The body media types a route takes (default: application/json only). */
export const Consumes = (...types: string[]) => applyDecorators(SetMetadata(CONSUMES, types), ApiConsumes(...types));

/**
 * A request that carries a body must send it in a type its route takes; otherwise 415 naming
 * the expected type (a form-encoded curl body would else fail validation with baffling messages).
 */
@Injectable()
export class MediaTypeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    if (hasBody(req)) {
      const accepted = this.reflector.getAllAndOverride<string[] | undefined>(CONSUMES, [context.getHandler(), context.getClass()]) ?? JSON_ONLY;
      const sent = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
      if (!sent || !accepted.includes(sent)) throw CommonException.unsupportedMediaType(accepted, sent);
    }
    return next.handle();
  }
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return length !== undefined ? length !== '0' : req.headers['transfer-encoding'] !== undefined;
}
