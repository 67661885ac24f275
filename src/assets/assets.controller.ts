import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, DATABASE_ERRORS } from '../common/api-errors.js';
import { CommonException } from '../common/common.exception.js';
import { CurrentUserId, UserSession } from '../auth/auth.decorators.js';
import { ConnectionIdParamDto } from '../connections/connections.dto.js';
import { AssetListDto, AssetSyncResultDto } from './assets.dto.js';
import { AssetsException } from './assets.exception.js';
import { AssetsService } from './assets.service.js';

@ApiTags('assets')
@Controller('social/connections/:connectionId/assets')
@ApiErrors(...DATABASE_ERRORS)
export class AssetsController {
  constructor(private readonly assets: AssetsService) {}

  @Get()
  @UserSession()
  @ApiOperation({ summary: 'The Pages, organisations and channels of one of the user’s connections (never a token)' })
  @ApiOkResponse({ type: AssetListDto })
  @ApiErrors(CommonException.validationFailed('connectionId must be a UUID'), AssetsException.connectionNotFound())
  list(@CurrentUserId() userId: string, @Param() { connectionId }: ConnectionIdParamDto): Promise<AssetListDto> {
    return this.assets.list(userId, connectionId);
  }

  @Post('sync')
  @HttpCode(200)
  @UserSession()
  @ApiOperation({ summary: 'List them at the provider now: new ones are added, missing ones removed, Page tokens derived again' })
  @ApiOkResponse({ type: AssetSyncResultDto })
  @ApiErrors(
    CommonException.validationFailed('connectionId must be a UUID'),
    AssetsException.connectionNotFound(),
    AssetsException.syncTooSoon(10_000),
    AssetsException.providerUnavailable('the provider', 30_000),
    AssetsException.providerRejected('the provider'),
  )
  sync(@CurrentUserId() userId: string, @Param() { connectionId }: ConnectionIdParamDto): Promise<AssetSyncResultDto> {
    return this.assets.syncNow(userId, connectionId);
  }
}
