import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators.js';
import { ProviderRegistry } from './provider-registry.service.js';
import { PlatformDto } from './providers.dto.js';

@ApiTags('connections')
@Controller('social')
export class ProvidersController {
  constructor(private readonly registry: ProviderRegistry) {}

  @Get('platforms')
  @Public()
  @ApiOperation({ summary: 'The platforms users can connect' })
  @ApiOkResponse({ type: [PlatformDto] })
  platforms(): PlatformDto[] {
    return this.registry.publicList();
  }
}
