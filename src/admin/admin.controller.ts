import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { Admin } from '../auth/auth.decorators.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { DisconnectResultDto } from '../connections/connections.dto.js';
import {
  AuditListQueryDto,
  AuditPageDto,
  ConnectionDetailDto,
  ConnectionIdParamDto,
  ConnectionListQueryDto,
  ConnectionPageDto,
  FailureListQueryDto,
  RefreshFailurePageDto,
  RefreshResultDto,
  SummaryDto,
} from './admin.dto.js';
import { AdminService } from './admin.service.js';

@ApiTags('admin')
@Controller('admin/api')
@Admin()
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Get('summary')
  @ApiOperation({ summary: 'Connections by platform and status, refreshes and failures over 24 hours' })
  @ApiOkResponse({ type: SummaryDto })
  summary(): Promise<SummaryDto> {
    return this.admin.summary();
  }

  @Get('connections')
  @ApiOperation({ summary: 'Connections, filtered and sorted, with cursor pagination' })
  @ApiOkResponse({ type: ConnectionPageDto })
  connections(@Query() query: ConnectionListQueryDto): Promise<ConnectionPageDto> {
    return this.admin.listConnections(query);
  }

  @Get('connections/:id')
  @ApiOperation({ summary: 'One connection with its recent refresh history and failures' })
  @ApiOkResponse({ type: ConnectionDetailDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  connection(@Param() { id }: ConnectionIdParamDto): Promise<ConnectionDetailDto> {
    return this.admin.connection(id);
  }

  @Post('connections/:id/refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Force a refresh now (single-flight; 30 s cooldown per connection)' })
  @ApiOkResponse({ type: RefreshResultDto })
  @ApiConflictResponse({ description: 'reauth_required or platform_disabled', type: ErrorResponseDto })
  @ApiTooManyRequestsResponse({ description: 'refresh_cooldown', type: ErrorResponseDto })
  refresh(@Param() { id }: ConnectionIdParamDto): Promise<RefreshResultDto> {
    return this.admin.refresh(id);
  }

  @Delete('connections/:id')
  @ApiOperation({ summary: 'Disconnect as the user would (revoke at the provider, then delete)' })
  @ApiOkResponse({ type: DisconnectResultDto })
  disconnect(@Param() { id }: ConnectionIdParamDto): Promise<{ connected: false }> {
    return this.admin.disconnect(id);
  }

  @Get('refresh-failures')
  @ApiOperation({ summary: 'Failed refreshes, newest first' })
  @ApiOkResponse({ type: RefreshFailurePageDto })
  failures(@Query() query: FailureListQueryDto): Promise<RefreshFailurePageDto> {
    return this.admin.failures(query);
  }

  @Get('audit')
  @ApiOperation({ summary: 'Internal-token reads by services, newest first' })
  @ApiOkResponse({ type: AuditPageDto })
  audit(@Query() query: AuditListQueryDto): Promise<AuditPageDto> {
    return this.admin.audit(query);
  }
}
