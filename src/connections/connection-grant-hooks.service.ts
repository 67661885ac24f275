import { Injectable, Logger } from '@nestjs/common';

/** A grant just committed: a connect, a reconnect in place, or a refresh. */
export type GrantEvent = { connectionId: string; userId: string; platform: string; how: 'connected' | 'reconnected' | 'refreshed' };
export type GrantListener = (event: GrantEvent) => Promise<void>;

/**
 * What other features do once a connection has new tokens (assets re-list Pages and re-derive
 * their tokens), without connections or tokens depending on them. Listeners run after the
 * transaction commits; a listener's failure is logged and never fails the connect or the refresh.
 */
@Injectable()
export class ConnectionGrantHooks {
  private readonly logger = new Logger('ConnectionGrantHooks');
  private readonly listeners: GrantListener[] = [];

  register(listener: GrantListener): void {
    this.listeners.push(listener);
  }

  async granted(event: GrantEvent): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(event);
      } catch (error) {
        this.logger.warn(`After a grant of ${event.platform}: ${(error as Error).message}`, { platform: event.platform, connectionId: event.connectionId });
      }
    }
  }
}
