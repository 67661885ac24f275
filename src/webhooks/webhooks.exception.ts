import { AppException } from '../common/app.exception.js';
import { CursorException } from '../common/keyset-cursor.js';

/** Errors of the webhook admin routes. */
export class WebhooksException extends AppException {
  static eventNotFound(): WebhooksException {
    return new WebhooksException(404, 'webhook_event_not_found', 'No webhook event has this id (dead letters are kept 30 days)');
  }
  static notDeadLetter(): WebhooksException {
    return new WebhooksException(409, 'webhook_event_not_dead', 'This event is not a dead letter: it is still queued or was delivered');
  }
  /** Thrown by the dead-letter list's keyset pagination (src/common/keyset-cursor.ts); listed for the API docs. */
  static badCursor(): AppException {
    return CursorException.invalid();
  }
}
