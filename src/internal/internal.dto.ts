import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PLATFORM_PATTERN, SCOPE_PATTERN } from '../connections/connections.dto.js';

export class InternalTokenRequestDto {
  @ApiProperty({ example: 'user-123', description: 'The user whose token the job needs' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  userId!: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: "Which of the user's connections of this platform (required when they have several, unless accountId is given)",
  })
  @IsOptional()
  @IsUUID('all', { message: 'connectionId must be a UUID' })
  connectionId?: string;

  @ApiPropertyOptional({ example: '7123456789', description: 'Or: the provider account id of the connection' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  accountId?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'A Page, organisation or channel (from GET /social/connections/{connectionId}/assets): a Facebook Page answers its Page token; the others the connection’s token; `asset` names the target',
  })
  @IsOptional()
  @IsUUID('all', { message: 'assetId must be a UUID' })
  assetId?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['video.publish'],
    description: 'Scopes the job needs: a grant lacking one answers 409 insufficient_scope without calling the provider',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(SCOPE_PATTERN, { each: true, message: 'requiredScopes must be scope names (printable characters, no spaces or commas)' })
  requiredScopes?: string[];
}

export class TokenRejectedDto {
  @ApiProperty({
    example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    description: 'SHA-256 (hex) of the access token the provider refused',
  })
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'accessTokenHash must be the SHA-256 of the access token, 64 hex digits' })
  accessTokenHash!: string;

  @ApiProperty({ example: 401, description: 'The HTTP status the provider answered the job' })
  @IsInt()
  @Min(100)
  @Max(599)
  status!: number;

  @ApiPropertyOptional({ example: 'invalid_token', description: "The provider's error code, if it gave one (not its message)" })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  error?: string;
}

export class TokenAssetDto {
  @ApiProperty({ format: 'uuid' })
  assetId!: string;

  @ApiProperty({ enum: ['facebook_page', 'instagram_account', 'linkedin_organization', 'youtube_channel'] })
  kind!: string;

  @ApiProperty({ description: "The provider's id of the target (the Page id, the organisation id, the channel id)" })
  externalId!: string;

  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty({ description: 'Whether accessToken is the asset’s own (a Page token) rather than the connection’s' })
  ownToken!: boolean;
}

export class InternalTokenDto {
  @ApiProperty({ description: 'A provider access token, valid for at least the refresh window when the provider allows' })
  accessToken!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: string | null;

  @ApiProperty({ format: 'uuid' })
  connectionId!: string;

  @ApiProperty({ type: String, nullable: true })
  accountId!: string | null;

  @ApiProperty({ type: [String] })
  grantedScopes!: string[];

  @ApiProperty({ type: [String], deprecated: true, description: 'Same as grantedScopes' })
  scopes!: string[];

  @ApiPropertyOptional({ type: () => TokenAssetDto, description: 'With assetId: the target the token is for' })
  asset?: TokenAssetDto;
}

export class TokenRejectedResultDto extends InternalTokenDto {
  @ApiProperty({
    enum: ['refreshed', 'superseded', 'valid'],
    description:
      'refreshed: a new token; superseded: the reported one was already replaced, here is the current one; valid: the provider still accepts it (the job failed for another reason)',
  })
  outcome!: string;
}

const UUID = { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' } as const;
// Printable ASCII: class-validator counts some other characters differently from JSON schema.
const PRINTABLE_ID = { type: 'string', pattern: '^[\\x20-\\x7e]{1,255}$' } as const;

/**
 * Fastify's JSON schema of the call, which backend jobs make on every run: a plain form of the DTOs
 * above (InternalTokenRequestDto, PlatformParamDto), narrower than their rules. What it accepts
 * skips class-validator; anything else is checked by the DTOs themselves (src/common/validation.ts).
 */
export const INTERNAL_TOKEN_SCHEMA = {
  params: { type: 'object', required: ['platform'], properties: { platform: { type: 'string', pattern: PLATFORM_PATTERN.source } } },
  body: {
    type: 'object',
    required: ['userId'],
    additionalProperties: false,
    properties: {
      userId: PRINTABLE_ID,
      accountId: PRINTABLE_ID,
      connectionId: UUID,
      assetId: UUID,
      requiredScopes: { type: 'array', maxItems: 50, items: { type: 'string', pattern: SCOPE_PATTERN.source } },
    },
  },
} as const;
