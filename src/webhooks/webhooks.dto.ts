import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { PageQueryDto } from '../common/page-query.dto.js';
import { WEBHOOK_EVENTS } from './webhook-events.js';

export class DeadLetterListQueryDto extends PageQueryDto {}

export class WebhookEventIdParamDto {
  @ApiProperty({ format: 'uuid', description: 'The event id (the `webhook-id` header receivers saw)' })
  @IsUUID()
  eventId!: string;
}

export class WebhookStatusDto {
  @ApiProperty({ description: 'WEBHOOK_URL and WEBHOOK_SECRET are set' }) configured!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Host of WEBHOOK_URL (never the full URL, which may carry credentials)' }) receiverHost!:
    string | null;
  @ApiProperty({ description: 'False after the receiver answered 410 Gone, until re-enabled' }) enabled!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) disabledAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why delivery was disabled' }) disabledReason!: string | null;
  @ApiProperty({ description: 'Events waiting for delivery' }) pending!: number;
  @ApiProperty({ description: 'Dead letters (counted up to 10,000)' }) deadLetters!: number;
  @ApiProperty({ description: 'WEBHOOK_MAX_AGE in seconds' }) maxAgeSeconds!: number;
}

export class DeadLetterDto {
  @ApiProperty({ format: 'uuid', description: 'The `webhook-id` receivers dedupe on' }) eventId!: string;
  @ApiProperty({ enum: WEBHOOK_EVENTS }) type!: string;
  @ApiProperty({ format: 'uuid' }) connectionId!: string;
  @ApiProperty({ description: "The event's sequence number within its connection" }) sequence!: number;
  @ApiProperty({ type: String, nullable: true }) userId!: string | null;
  @ApiProperty({ type: String, nullable: true }) platform!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', description: 'When it last entered the queue; WEBHOOK_MAX_AGE counts from here' }) queuedAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) deadAt!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true, description: "The last attempt's outcome (HTTP status or network error)" }) lastError!: string | null;
}

export class DeadLetterPageDto {
  @ApiProperty({ type: [DeadLetterDto] }) items!: DeadLetterDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last page' }) nextCursor!: string | null;
}

export class RedeliverResultDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ description: 'Unchanged: receivers can tell it is an old event' }) sequence!: number;
  @ApiProperty({ description: "Back in its connection's line in sequence order (after the event of that connection being delivered now, if any)" })
  requeued!: boolean;
}
