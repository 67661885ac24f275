import { AppException } from '../common/app.exception.js';
import { CursorException } from '../common/keyset-cursor.js';

export class AdminException extends AppException {
  static notFound(): AdminException {
    return new AdminException(404, 'connection_not_found', 'No connection has this id');
  }
  /** Thrown by the read models' keyset pagination (src/common/keyset-cursor.ts); listed for the API docs. */
  static badCursor(): AppException {
    return CursorException.invalid();
  }
  static cooldown(seconds: number): AdminException {
    return new AdminException(429, 'refresh_cooldown', `This connection was refreshed moments ago; wait ${seconds} s`, { 'Retry-After': String(seconds) });
  }
  static reauthRequired(): AdminException {
    return new AdminException(409, 'reauth_required', 'The grant is dead; the user must reconnect');
  }
  static platformDisabled(): AdminException {
    return new AdminException(409, 'platform_disabled', 'The platform of this connection is no longer configured');
  }
}
