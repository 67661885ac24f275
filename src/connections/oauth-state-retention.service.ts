import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RetentionService } from '../jobs/retention.service.js';
import { OAuthStateRepository } from './oauth-state.repository.js';

/** An expired state is kept this long, so a late callback still answers `state_expired` rather than `invalid_state`. */
export const EXPIRED_STATE_GRACE_MS = 3_600_000;

/** States of users who never came back are deleted an hour after they expire (a user's next connect-url prunes theirs at once). */
@Injectable()
export class OAuthStateRetentionService implements OnModuleInit {
  constructor(
    private readonly states: OAuthStateRepository,
    private readonly retention: RetentionService,
  ) {}

  onModuleInit(): void {
    this.retention.register({ table: 'oauth_states', deleteBatch: (limit) => this.states.deleteExpired(EXPIRED_STATE_GRACE_MS, limit) });
  }
}
