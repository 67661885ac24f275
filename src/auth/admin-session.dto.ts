import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { IsAdminEmail } from './admin-email.js';

export class AdminSignInDto {
  @ApiProperty({ example: 'admin@example.com' })
  @IsAdminEmail()
  email!: string;

  @ApiProperty({ format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password!: string;
}

export class AdminSessionDto {
  @ApiProperty({ example: 'admin@example.com', nullable: true, type: String })
  email!: string | null;

  @ApiProperty({ description: 'Send as X-CSRF-Token on state-changing admin calls made with the session cookie', nullable: true, type: String })
  csrfToken!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: string | null;
}
