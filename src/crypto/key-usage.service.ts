import { Injectable } from '@nestjs/common';
import { EncryptedColumnRepository } from './encrypted-column.repository.js';

/** Which keys the stored ciphertexts use (the admin summary; rotation progress is KeyRotationService's). */
@Injectable()
export class KeyUsageService {
  constructor(private readonly encrypted: EncryptedColumnRepository) {}

  /** Encrypted values per key id over every encrypted column. */
  valuesByKeyId(): Promise<Record<string, number>> {
    return this.encrypted.valuesByKeyId();
  }
}
