import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { PLATFORM_PATTERN, SCOPE_PATTERN } from '../connections/connections.dto.js';

export class CreateConnectSessionDto {
  @ApiProperty({ example: 'user-123', description: 'The user who will connect' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  userId!: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['tiktok', 'youtube'],
    description: 'Platforms the page offers. Default: every enabled one (that the service token may read)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(PLATFORM_PATTERN, { each: true, message: 'platforms must be platform ids (lowercase letters, digits, - and _)' })
  platforms?: string[];

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'A reconnect link: this connection of the user (its platform only); another account answers account_mismatch',
  })
  @IsOptional()
  @IsUUID('all', { message: 'connectionId must be a UUID' })
  connectionId?: string;

  @ApiPropertyOptional({ type: [String], example: ['video.list'], description: "Extra scopes on top of the platform's (needs exactly one platform)" })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(SCOPE_PATTERN, { each: true, message: 'scopes must be scope names (printable characters, no spaces or commas)' })
  scopes?: string[];

  @ApiProperty({
    example: 'https://app.example.com/settings/social',
    description: 'Where the page sends the user back (with status, connectionId, platform or error); must be on CONNECT_RETURN_URLS',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  returnUrl!: string;
}

export class ConnectSessionDto {
  @ApiProperty({ description: 'The single-use token (also the last segment of url); stored hashed' })
  token!: string;

  @ApiProperty({ example: 'https://connect.example.com/connect/3f…', description: 'Open it (popup, redirect or email link): the hosted connect page' })
  url!: string;

  @ApiProperty({ type: String, format: 'date-time', description: '30 minutes from now' })
  expiresAt!: string;

  @ApiProperty({ type: [String], description: 'The platforms the page offers' })
  platforms!: string[];
}

export class ConnectTokenParamDto {
  // Anything: an unknown or mangled link gets the page saying so, not a JSON error.
  @ApiProperty({ description: 'The token of a connect session' })
  @IsString()
  token!: string;
}

/** The hosted page's form: the platform chosen, and whether the page runs in a popup. */
export class StartConnectDto {
  @ApiProperty({ example: 'tiktok' })
  @IsString()
  @Matches(PLATFORM_PATTERN, { message: 'platform must be a platform id (lowercase letters, digits, - and _)' })
  platform!: string;

  @ApiPropertyOptional({ enum: ['0', '1'], description: '1: the page has a window.opener, which gets the result by postMessage' })
  @IsOptional()
  @IsIn(['0', '1'])
  popup?: string;
}
