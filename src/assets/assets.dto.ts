import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { ASSET_KINDS } from '../providers/provider.types.js';

export class AssetIdParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'assetId must be a UUID' })
  assetId!: string;
}

/** One Page, organisation or channel of a connection. Never a token. */
export class AssetDto {
  @ApiProperty({ format: 'uuid', description: 'Pass as assetId to internal-token' })
  assetId!: string;

  @ApiProperty({ format: 'uuid' })
  connectionId!: string;

  @ApiProperty({ enum: ASSET_KINDS })
  kind!: string;

  @ApiProperty({ example: '112233445566778', description: "The provider's id of the Page, account, organisation or channel" })
  externalId!: string;

  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty({ type: String, nullable: true })
  pictureUrl!: string | null;

  @ApiProperty({
    type: [String],
    enum: ['publish', 'analytics', 'moderate', 'advertise', 'manage'],
    description: "What the user's role or tasks on it allow",
  })
  capabilities!: string[];

  @ApiProperty({ enum: ['active', 'removed'], description: 'removed: the provider no longer lists it for this connection' })
  status!: string;

  @ApiProperty({ description: 'Whether internal-token answers a token of its own (a Facebook Page token) rather than the connection’s' })
  hasOwnToken!: boolean;

  @ApiProperty({ type: String, format: 'date-time' })
  discoveredAt!: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'The last sync that listed it' })
  seenAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  removedAt!: string | null;
}

export class AssetListDto {
  @ApiProperty({ type: [AssetDto] })
  assets!: AssetDto[];

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the provider last listed them' })
  syncedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The failure class of the last failed listing, until one succeeds' })
  lastError!: string | null;
}

export class AssetSyncResultDto extends AssetListDto {
  @ApiProperty({ description: 'Assets listed for the first time (or again, after a removal)' })
  added!: number;

  @ApiProperty({ description: 'Assets no longer listed, now removed' })
  removed!: number;
}
