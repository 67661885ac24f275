import { applyDecorators } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiConsumes } from '@nestjs/swagger';

export const JSON_ONLY: readonly string[] = ['application/json'];

/**
 * The body media types a route takes (default: application/json only). A body in another type is
 * refused with 415 naming the expected one (src/common/http-pipeline.ts), before it is read: a
 * form-encoded curl body would else fail validation with baffling messages.
 */
export const Consumes = (...types: string[]) => applyDecorators(RouteConfig({ consumes: types }), ApiConsumes(...types));
