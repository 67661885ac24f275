import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

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
