import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AdminSessionController } from './admin-session.controller.js';
import { AdminSessionFacade } from './admin-session.facade.js';
import { AdminSessionService } from './admin-session.service.js';
import { AdminUserRepository } from './admin-user.repository.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { JwtVerifierService } from './jwt-verifier.service.js';
import { TokenIssuerService } from './token-issuer.service.js';

@Global()
@Module({
  controllers: [AuthController, AdminSessionController],
  providers: [JwtVerifierService, TokenIssuerService, AdminSessionService, AdminSessionFacade, AdminUserRepository, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [JwtVerifierService, TokenIssuerService, AdminSessionService],
})
export class AuthModule {}
