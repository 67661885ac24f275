import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AdminApiKeyRepository } from './admin-api-key.repository.js';
import { AdminApiKeyService } from './admin-api-key.service.js';
import { AdminSessionController } from './admin-session.controller.js';
import { AdminSessionFacade } from './admin-session.facade.js';
import { AdminSessionRepository } from './admin-session.repository.js';
import { AdminSessionService } from './admin-session.service.js';
import { AdminUserRepository } from './admin-user.repository.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { JwtVerifierService } from './jwt-verifier.service.js';
import { TokenIssuerService } from './token-issuer.service.js';

@Global()
@Module({
  controllers: [AuthController, AdminSessionController],
  providers: [
    JwtVerifierService,
    TokenIssuerService,
    AdminSessionService,
    AdminSessionFacade,
    AdminSessionRepository,
    AdminUserRepository,
    AdminApiKeyService,
    AdminApiKeyRepository,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [JwtVerifierService, TokenIssuerService, AdminSessionService, AdminApiKeyService],
})
export class AuthModule {}
