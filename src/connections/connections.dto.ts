import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';

export const PLATFORM_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export class PlatformParamDto {
  @ApiProperty({ example: 'tiktok', description: 'A platform id from GET /social/platforms' })
  @IsString()
  @Matches(PLATFORM_PATTERN, { message: 'platform must be a platform id (lowercase letters, digits, - and _)' })
  platform!: string;
}

export class ConnectionIdParamDto {
  @ApiProperty({ format: 'uuid', description: 'A connectionId from GET /social/connections' })
  @IsUUID('all', { message: 'connectionId must be a UUID' })
  connectionId!: string;
}

// A scope name as providers spell them (URLs for Google): printable, no separators, bounded.
export const SCOPE_PATTERN = /^[\x21-\x2b\x2d-\x7e]{1,200}$/;

export class ConnectUrlQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Reconnect this connection: the provider must return the same account (else 409 account_mismatch)' })
  @IsOptional()
  @IsUUID('all', { message: 'connectionId must be a UUID' })
  connectionId?: string;

  @ApiPropertyOptional({
    example: 'video.list',
    description:
      "Extra scopes, comma-separated, asked for on top of the platform's (incremental authorisation); a reconnect keeps the connection's earlier ones",
  })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  @Matches(/^[\x21-\x2b\x2d-\x7e]{1,200}(,[\x21-\x2b\x2d-\x7e]{1,200}){0,49}$/, {
    message: 'scopes must be a comma-separated list of at most 50 scope names (printable characters, no spaces)',
  })
  scopes?: string;
}

export class LabelDto {
  @ApiProperty({ type: String, nullable: true, example: 'Brand account', description: '1–80 characters; null removes the label' })
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  @Matches(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]*$/, { message: 'label must not contain control characters' })
  label!: string | null;
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

  @ApiProperty({ format: 'uuid' })
  connectionId!: string;

  @ApiProperty({ description: 'true when this updated a connection the user already had (same provider account)' })
  reconnected!: boolean;

  @ApiProperty({ type: [String], description: 'Required scopes the user did not grant (the connection works, but cannot do everything)' })
  missingScopes!: string[];

  @ApiProperty({ example: 'tiktok' })
  platform!: string;

  @ApiProperty({ type: String, nullable: true, example: '7123456789' })
  accountId!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'creator_jane' })
  username!: string | null;
}

export class ConnectionDto {
  @ApiProperty({ format: 'uuid' })
  connectionId!: string;

  @ApiProperty({ example: 'tiktok' })
  platform!: string;

  @ApiProperty({ type: String, nullable: true })
  accountId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  username!: string | null;

  @ApiProperty({ type: String, nullable: true, description: "The user's name for it" })
  label!: string | null;

  @ApiProperty({ enum: ['active', 'needs_reauth'], description: 'needs_reauth: the provider revoked the grant; the user must connect again' })
  status!: string;

  @ApiProperty({ type: [String] })
  grantedScopes!: string[];

  @ApiProperty({
    enum: ['token', 'introspection', 'assumed'],
    description: 'Where grantedScopes come from; assumed: the provider did not say, so the requested ones',
  })
  scopesSource!: string;

  @ApiProperty({ type: [String], description: "Required scopes (the platform's requiredScopes) the grant lacks" })
  missingScopes!: string[];

  @ApiProperty({ type: String, format: 'date-time' })
  connectedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  accessTokenExpiresAt!: string | null;

  @ApiProperty({ example: true, description: 'Always true (kept for clients of the one-connection API)' })
  connected!: true;

  @ApiProperty({ type: [String], deprecated: true, description: 'Same as grantedScopes' })
  scopes!: string[];
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

  @ApiPropertyOptional({ format: 'uuid', description: 'The top-level fields describe the most recently connected one' })
  connectionId?: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  label?: string | null;

  @ApiPropertyOptional({ type: [String] })
  grantedScopes?: string[];

  @ApiPropertyOptional({ type: [String] })
  missingScopes?: string[];

  @ApiProperty({ type: [ConnectionDto], description: 'Every connection of the user on this platform, most recently connected first' })
  connections!: ConnectionDto[];
}

export class DisconnectResultDto {
  @ApiProperty({ example: false })
  connected!: false;

  @ApiProperty({ example: 1, description: 'How many connections this request removed (0 when there was none)' })
  disconnected!: number;
}
