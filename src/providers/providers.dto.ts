import { ApiProperty } from '@nestjs/swagger';

export class PlatformDto {
  @ApiProperty({ example: 'tiktok' })
  id!: string;

  @ApiProperty({ example: 'TikTok' })
  displayName!: string;

  @ApiProperty({ type: [String], example: ['user.info.basic'] })
  scopes!: string[];

  @ApiProperty({
    type: [String],
    example: ['facebook_page', 'instagram_account'],
    description: 'The assets (Pages, organisations, channels) its connections list: GET /social/connections/{connectionId}/assets',
  })
  assetKinds!: string[];
}
