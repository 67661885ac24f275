import { ApiProperty } from '@nestjs/swagger';

export class PlatformDto {
  @ApiProperty({ example: 'tiktok' })
  id!: string;

  @ApiProperty({ example: 'TikTok' })
  displayName!: string;

  @ApiProperty({ type: [String], example: ['user.info.basic'] })
  scopes!: string[];
}
