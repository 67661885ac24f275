import { Module } from '@nestjs/common';
import { AssetsModule } from '../assets/assets.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { InternalTokenController } from './internal-token.controller.js';
import { InternalTokenService } from './internal-token.service.js';
import { TokenAccessAuditRepository } from './token-access-audit.repository.js';
import { TokenAuditService } from './token-audit.service.js';

@Module({
  imports: [TokensModule, AssetsModule],
  controllers: [InternalTokenController],
  providers: [InternalTokenService, TokenAuditService, TokenAccessAuditRepository],
  exports: [TokenAuditService],
})
export class InternalModule {}
