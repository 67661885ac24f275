import { AssetListDto } from '../assets/assets.dto.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../common/page-query.dto.js';
import { PLATFORM_PATTERN } from '../connections/connections.dto.js';

export const ADMIN_STATUSES = ['active', 'expiring', 'failing', 'needs_reauth'] as const;
export const ADMIN_SORTS = ['expiry', 'last_refresh', 'failures', 'connected'] as const;
export const FAILURE_CLASSES = [
  'invalid_grant',
  'invalid_client',
  'rate_limited',
  'transient',
  'malformed',
  'provider_error',
  'undecryptable',
  'internal',
  'expired',
] as const;

export class ConnectionListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'tiktok' })
  @IsOptional()
  @Matches(PLATFORM_PATTERN)
  platform?: string;

  @ApiPropertyOptional({
    enum: ADMIN_STATUSES,
    description:
      'expiring: ends within EXPIRY_WARNING and nothing can renew it without the user (a refresh token near its end, or a token that cannot be refreshed); failing: active with consecutive failures',
  })
  @IsOptional()
  @IsIn(ADMIN_STATUSES)
  status?: (typeof ADMIN_STATUSES)[number];

  @ApiPropertyOptional({ description: 'User id prefix' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  userId?: string;

  @ApiPropertyOptional({ description: 'Substring of the account id or username (case-insensitive); one or two characters match the start' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  account?: string;

  @ApiPropertyOptional({ enum: ADMIN_SORTS, default: 'expiry' })
  @IsOptional()
  @IsIn(ADMIN_SORTS)
  sort?: (typeof ADMIN_SORTS)[number];

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';
}

export class FailureListQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(PLATFORM_PATTERN)
  platform?: string;

  @ApiPropertyOptional({ enum: FAILURE_CLASSES })
  @IsOptional()
  @IsIn(FAILURE_CLASSES)
  failureClass?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  connectionId?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601()
  to?: string;
}

export class AuditListQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  service?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  userId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(PLATFORM_PATTERN)
  platform?: string;
}

export class ConnectionIdParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

export class AdminConnectionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() userId!: string;
  @ApiProperty() platform!: string;
  @ApiProperty({ type: String, nullable: true }) accountId!: string | null;
  @ApiProperty({ type: String, nullable: true }) username!: string | null;
  @ApiProperty({ enum: ['active', 'needs_reauth'] }) status!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) accessTokenExpiresAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) refreshTokenExpiresAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastRefreshedAt!: string | null;
  @ApiProperty() consecutiveFailures!: number;
  @ApiProperty({ type: String, nullable: true }) lastErrorClass!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextRetryAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) connectedAt!: string;
  @ApiProperty({ type: String, nullable: true, description: "The user's label" }) label!: string | null;
  @ApiProperty({ type: [String], description: "Required scopes (the platform's requiredScopes) the grant lacks" }) missingScopes!: string[];
  @ApiProperty({ description: 'How many times the user connected this account again' }) reconnectCount!: number;
  @ApiProperty({ description: 'Ends within EXPIRY_WARNING and nothing renews it without the user (the status filter "expiring")' }) expiring!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) reconnectedAt!: string | null;
}

export class ConnectionPageDto {
  @ApiProperty({ type: [AdminConnectionDto] }) items!: AdminConnectionDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last page' }) nextCursor!: string | null;
}

export class RefreshFailureDto {
  @ApiProperty() id!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) connectionId!: string | null;
  @ApiProperty() platform!: string;
  @ApiProperty() userId!: string;
  @ApiProperty({ type: String, format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ enum: ['lazy', 'scheduled', 'admin'] }) trigger!: string;
  @ApiProperty() failureClass!: string;
  @ApiProperty({ type: String, nullable: true }) providerCode!: string | null;
  @ApiProperty({ type: Number, nullable: true }) httpStatus!: number | null;
  @ApiProperty({ description: 'Redacted; never a token or a provider body' }) message!: string;
}

export class RefreshFailurePageDto {
  @ApiProperty({ type: [RefreshFailureDto] }) items!: RefreshFailureDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class RefreshEventDto {
  @ApiProperty({ type: String, format: 'date-time' }) occurredAt!: string;
  @ApiProperty() trigger!: string;
  @ApiProperty({ enum: ['success', 'failure'] }) outcome!: string;
  @ApiProperty() durationMs!: number;
}

export class ConnectionDetailDto extends AdminConnectionDto {
  @ApiProperty({ type: [String], description: 'The granted scopes' }) scopes!: string[];
  @ApiProperty({ enum: ['token', 'introspection', 'assumed'], description: 'Where the granted scopes come from' }) scopesSource!: string;
  @ApiProperty({ type: [String], description: 'What the last authorization asked for' }) requestedScopes!: string[];
  @ApiProperty({ type: [RefreshEventDto] }) history!: RefreshEventDto[];
  @ApiProperty({ type: [RefreshFailureDto] }) failures!: RefreshFailureDto[];
  @ApiProperty({ type: AssetListDto, description: 'Its Pages, organisations and channels, with the state of their listing' }) assets!: AssetListDto;
}

export class AuditEntryDto {
  @ApiProperty() id!: string;
  @ApiProperty() service!: string;
  @ApiProperty() userId!: string;
  @ApiProperty() platform!: string;
  @ApiProperty({ type: String, format: 'date-time' }) accessedAt!: string;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] }) items!: AuditEntryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class PlatformCountsDto {
  @ApiProperty() platform!: string;
  @ApiProperty() total!: number;
  @ApiProperty() active!: number;
  @ApiProperty() expiring!: number;
  @ApiProperty() failing!: number;
  @ApiProperty() needsReauth!: number;
}

export class HourBucketDto {
  @ApiProperty({ type: String, format: 'date-time' }) hour!: string;
  @ApiProperty() refreshes!: number;
  @ApiProperty() failures!: number;
}

export class ProviderBreakerDto {
  @ApiProperty() platform!: string;
  @ApiProperty({ enum: ['closed', 'open', 'half_open'], description: '`half_open`: open, with one probe in flight' }) state!: 'closed' | 'open' | 'half_open';
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) openedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'While open: when the next probe may go' }) nextProbeAt!: string | null;
  @ApiProperty({ description: 'Refreshes sent over the last 30 s (as of the last write)' }) recentAttempts!: number;
  @ApiProperty({ description: 'Of those, transient failures' }) recentFailures!: number;
}

export class SummaryDto {
  @ApiProperty({ type: [PlatformCountsDto], description: 'Every enabled platform, and any other that has connections' }) platforms!: PlatformCountsDto[];
  @ApiProperty({ type: PlatformCountsDto }) totals!: PlatformCountsDto;
  @ApiProperty({ description: 'Successful refreshes in the last 24 hours' }) refreshes24h!: number;
  @ApiProperty({ description: 'Failed refreshes in the last 24 hours' }) failures24h!: number;
  @ApiProperty({ type: [HourBucketDto], description: '24 hourly buckets, oldest first' }) hourly!: HourBucketDto[];
  @ApiProperty({ description: 'Encrypted values per key id', type: 'object', additionalProperties: { type: 'number' } }) valuesByKeyId!: Record<string, number>;
  @ApiProperty({ type: [ProviderBreakerDto], description: "Each enabled provider's circuit breaker" }) breakers!: ProviderBreakerDto[];
  @ApiProperty({ type: String, format: 'date-time', description: 'When platforms and totals were counted (in the background, at most every 30 s)' })
  countedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', description: 'When valuesByKeyId was counted (every 10 minutes, and by keys:rotate)' })
  keysCountedAt!: string;
}

export class RefreshResultDto extends AdminConnectionDto {
  @ApiProperty({ description: 'Whether this call obtained new tokens' }) refreshed!: boolean;
}
