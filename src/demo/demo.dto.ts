import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

export class DemoFailuresDto {
  @ApiProperty({ example: 1, description: 'How many of the next token endpoint requests fail (0 clears)' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100)
  count!: number;

  @ApiPropertyOptional({ example: 503, enum: [400, 401, 429, 500, 502, 503], description: 'HTTP status of the failures (default 503)' })
  @IsOptional()
  @Type(() => Number)
  @IsIn([400, 401, 429, 500, 502, 503])
  status?: number;

  @ApiPropertyOptional({
    example: 'temporarily_unavailable',
    description: 'OAuth error code (default from the status: invalid_grant, invalid_client, slow_down or temporarily_unavailable)',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z_]{1,64}$/, { message: 'error must be an OAuth error code (lowercase letters and _)' })
  error?: string;
}

export class DemoFailuresStateDto {
  @ApiProperty({ example: 1 })
  remaining!: number;

  @ApiProperty({ example: 503 })
  status!: number;

  @ApiProperty({ example: 'temporarily_unavailable' })
  error!: string;
}

export class DevSessionQueryDto {
  @ApiProperty({ example: 'user-1', description: 'The user id to sign in as' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  userId!: string;
}

export class DevSessionDto {
  @ApiProperty({ description: 'A session JWT for the user, valid for one hour' })
  token!: string;

  @ApiProperty({ example: 'user-1' })
  userId!: string;

  @ApiProperty({ example: 3600 })
  expiresIn!: number;
}

export class DevConnectSessionDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Reconnect this connection of the signed-in user' })
  @IsOptional()
  @IsUUID('all', { message: 'connectionId must be a UUID' })
  connectionId?: string;
}
