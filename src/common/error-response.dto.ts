import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ConnectionCandidateDto {
  @ApiProperty({ format: 'uuid' })
  connectionId!: string;

  @ApiProperty({ type: String, nullable: true })
  accountId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  label!: string | null;

  @ApiProperty({ type: String, nullable: true })
  username!: string | null;
}

/** The connect-url query that would add missing scopes to a connection. */
export class ConnectUrlParamsDto {
  @ApiProperty({ format: 'uuid' })
  connectionId!: string;

  @ApiProperty({ example: 'video.publish,video.upload', description: 'Comma-separated' })
  scopes!: string;
}

export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'validation_failed', description: 'Stable snake_case error code.' })
  error!: string;

  @ApiProperty({ example: 'code must be a string' })
  message!: string;

  @ApiPropertyOptional({ type: [ConnectionCandidateDto], description: '`connection_ambiguous` only: the connections to choose from' })
  candidates?: ConnectionCandidateDto[];

  @ApiPropertyOptional({ type: [String], description: '`insufficient_scope` only: the required scopes the grant lacks' })
  missingScopes?: string[];

  @ApiPropertyOptional({ type: ConnectUrlParamsDto, description: '`insufficient_scope` only: GET /social/{platform}/connect-url with these adds them' })
  connectUrlParams?: ConnectUrlParamsDto;
}
