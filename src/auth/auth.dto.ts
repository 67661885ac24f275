import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class SessionInfoDto {
  @ApiProperty({ example: 'user-123', description: "The user id (the session token's sub)." })
  userId!: string;

  @ApiProperty({ description: 'Whether the credential is an admin\'s (UI session, API key, or an opted-in role "admin" JWT).' })
  admin!: boolean;
}

export class ServiceInfoDto {
  @ApiProperty({ example: 'publisher', description: "The service name (the service token's sub)." })
  service!: string;

  @ApiPropertyOptional({ type: [String], description: 'Platforms this service may read; absent means all.' })
  platforms?: string[];
}
