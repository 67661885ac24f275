import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { PLATFORM_PATTERN } from '../connections/connections.dto.js';

export class InternalTokenRequestDto {
  @ApiProperty({ example: 'user-123', description: 'The user whose token the job needs' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  userId!: string;
}

export class InternalTokenDto {
  @ApiProperty({ description: 'A provider access token, valid for at least the refresh window when the provider allows' })
  accessToken!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  accountId!: string | null;

  @ApiProperty({ type: [String] })
  scopes!: string[];
}

/**
 * Fastify's JSON schema of the call, which backend jobs make on every run: a plain form of the DTOs
 * above (InternalTokenRequestDto, PlatformParamDto), narrower than their rules. What it accepts
 * skips class-validator; anything else is checked by the DTOs themselves (src/common/validation.ts).
 */
export const INTERNAL_TOKEN_SCHEMA = {
  params: { type: 'object', required: ['platform'], properties: { platform: { type: 'string', pattern: PLATFORM_PATTERN.source } } },
  // Printable ASCII: class-validator counts some other characters differently from JSON schema.
  body: { type: 'object', required: ['userId'], additionalProperties: false, properties: { userId: { type: 'string', pattern: '^[\\x20-\\x7e]{1,255}$' } } },
} as const;
