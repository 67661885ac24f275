import { ApiProperty } from '@nestjs/swagger';

export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'validation_failed', description: 'Stable snake_case error code.' })
  error!: string;

  @ApiProperty({ example: 'code must be a string' })
  message!: string;
}
