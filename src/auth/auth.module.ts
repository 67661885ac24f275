import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { JwtVerifierService } from './jwt-verifier.service.js';
import { TokenIssuerService } from './token-issuer.service.js';

@Global()
@Module({
  controllers: [AuthController],
  providers: [JwtVerifierService, TokenIssuerService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [JwtVerifierService, TokenIssuerService],
})
export class AuthModule {}
