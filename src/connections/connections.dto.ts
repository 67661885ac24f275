import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export const PLATFORM_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export class PlatformParamDto {
  @ApiProperty({ example: 'tiktok', description: 'A platform id from GET /social/platforms' })
  @IsString()
  @Matches(PLATFORM_PATTERN, { message: 'platform must be a platform id (lowercase letters, digits, - and _)' })
  platform!: string;
}

export class ConnectUrlDto {
  @ApiProperty({ example: 'https://www.tiktok.com/v2/auth/authorize/?client_key=…&state=…', description: 'Send the user here.' })
  url!: string;
}

/** What the settings page received on its redirect URI, posted back as-is. */
export class ConnectDto {
  @ApiPropertyOptional({ description: 'The authorization code (absent when the user denied access)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  code?: string;

  @ApiProperty({ description: 'The state returned by the provider' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  state!: string;

  @ApiPropertyOptional({
    description: 'The issuer identifier on the redirect (RFC 9207): required from providers that declare an issuer, refused from those that declare none',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  iss?: string;

  @ApiPropertyOptional({ example: 'access_denied', description: 'Set by the provider when the user refused' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  error?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  error_description?: string;
}

export class ConnectResultDto {
  @ApiProperty({ example: true })
  connected!: true;

  @ApiProperty({ example: 'tiktok' })
  platform!: string;

  @ApiProperty({ type: String, nullable: true, example: '7123456789' })
  accountId!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'creator_jane' })
  username!: string | null;
}

export class ConnectionStatusDto {
  @ApiProperty()
  connected!: boolean;

  @ApiProperty({ example: 'tiktok' })
  platform!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  accountId?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  username?: string | null;

  @ApiPropertyOptional({ enum: ['active', 'needs_reauth'], description: 'needs_reauth: the provider revoked the grant; the user must connect again' })
  status?: string;

  @ApiPropertyOptional({ type: [String] })
  scopes?: string[];

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  connectedAt?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  accessTokenExpiresAt?: string | null;
}

export class DisconnectResultDto {
  @ApiProperty({ example: false })
  connected!: false;
}
