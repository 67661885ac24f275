import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Admin } from '../auth/auth.decorators.js';
import { ApiErrors, DATABASE_ERRORS } from '../common/api-errors.js';
import { CommonException } from '../common/common.exception.js';
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
import { AdminException } from './admin.exception.js';
import { AdminService } from './admin.service.js';

const badId = CommonException.validationFailed('id must be a UUID');
const badQuery = CommonException.validationFailed('limit must not be greater than 100');

@ApiTags('admin')
@Controller('admin/api')
@Admin()
@ApiErrors(...DATABASE_ERRORS)
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
  @ApiErrors(badQuery, AdminException.badCursor())
  connections(@Query() query: ConnectionListQueryDto): Promise<ConnectionPageDto> {
    return this.admin.listConnections(query);
  }

  @Get('connections/:id')
  @ApiOperation({ summary: 'One connection with its recent refresh history and failures' })
  @ApiOkResponse({ type: ConnectionDetailDto })
  @ApiErrors(badId, AdminException.notFound())
  connection(@Param() { id }: ConnectionIdParamDto): Promise<ConnectionDetailDto> {
    return this.admin.connection(id);
  }

  @Post('connections/:id/refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Force a refresh now (single-flight; 30 s cooldown per connection)' })
  @ApiOkResponse({ type: RefreshResultDto })
  @ApiErrors(badId, AdminException.notFound(), AdminException.reauthRequired(), AdminException.platformDisabled(), AdminException.cooldown(30))
  refresh(@Param() { id }: ConnectionIdParamDto): Promise<RefreshResultDto> {
    return this.admin.refresh(id);
  }

  @Delete('connections/:id')
  @ApiOperation({ summary: 'Disconnect as the user would (revoke at the provider, then delete)' })
  @ApiOkResponse({ type: DisconnectResultDto })
  @ApiErrors(badId, AdminException.notFound())
  disconnect(@Param() { id }: ConnectionIdParamDto): Promise<{ connected: false }> {
    return this.admin.disconnect(id);
  }

  @Get('refresh-failures')
  @ApiOperation({ summary: 'Failed refreshes, newest first' })
  @ApiOkResponse({ type: RefreshFailurePageDto })
  @ApiErrors(badQuery, AdminException.badCursor())
  failures(@Query() query: FailureListQueryDto): Promise<RefreshFailurePageDto> {
    return this.admin.failures(query);
  }

  @Get('audit')
  @ApiOperation({ summary: 'Internal-token reads by services, newest first' })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiErrors(badQuery, AdminException.badCursor())
  audit(@Query() query: AuditListQueryDto): Promise<AuditPageDto> {
    return this.admin.audit(query);
  }
}
