import { Global, Module } from '@nestjs/common';
import { RateLimitRepository } from './rate-limit.repository.js';
import { RateLimitService } from './rate-limit.service.js';

/** Shared, database-backed rate limits (sign-in, connect-url, connect). */
@Global()
@Module({ providers: [RateLimitRepository, RateLimitService], exports: [RateLimitService] })
export class RateLimitModule {}
