import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Admin } from '../auth/auth.decorators.js';
import { ApiErrors, DATABASE_ERRORS } from '../common/api-errors.js';
import { CommonException } from '../common/common.exception.js';
import { WebhookAdminService } from './webhook-admin.service.js';
import { DeadLetterListQueryDto, DeadLetterPageDto, RedeliverResultDto, WebhookEventIdParamDto, WebhookStatusDto } from './webhooks.dto.js';
import { WebhooksException } from './webhooks.exception.js';

const badId = CommonException.validationFailed('eventId must be a UUID');
const badQuery = CommonException.validationFailed('limit must not be greater than 200');

@ApiTags('admin')
@Controller('admin/api/webhooks')
@Admin()
@ApiErrors(...DATABASE_ERRORS)
export class WebhookAdminController {
  constructor(private readonly webhooks: WebhookAdminService) {}

  @Get()
  @ApiOperation({ summary: 'Webhook delivery: receiver host, enabled or disabled by a 410, pending events and dead letters' })
  @ApiOkResponse({ type: WebhookStatusDto })
  status(): Promise<WebhookStatusDto> {
    return this.webhooks.status();
  }

  @Get('dead-letters')
  @ApiOperation({ summary: 'Events not delivered within WEBHOOK_MAX_AGE, newest first' })
  @ApiOkResponse({ type: DeadLetterPageDto })
  @ApiErrors(badQuery, WebhooksException.badCursor())
  deadLetters(@Query() query: DeadLetterListQueryDto): Promise<DeadLetterPageDto> {
    return this.webhooks.deadLetters(query);
  }

  @Post('dead-letters/:eventId/redeliver')
  @HttpCode(200)
  @ApiOperation({ summary: "Queue a dead letter again (same id and sequence number, in its connection's order)" })
  @ApiOkResponse({ type: RedeliverResultDto })
  @ApiErrors(badId, WebhooksException.eventNotFound(), WebhooksException.notDeadLetter())
  redeliver(@Param() { eventId }: WebhookEventIdParamDto): Promise<RedeliverResultDto> {
    return this.webhooks.redeliver(eventId);
  }

  @Post('enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume delivery after the receiver answered 410 Gone (every instance, on its next poll)' })
  @ApiOkResponse({ type: WebhookStatusDto })
  enable(): Promise<WebhookStatusDto> {
    return this.webhooks.enable();
  }
}
