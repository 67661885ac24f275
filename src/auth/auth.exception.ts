import { AppException } from '../common/app.exception.js';

export class AuthException extends AppException {
  static unauthorized(message: string): AuthException {
    return new AuthException(401, 'unauthorized', message, { 'WWW-Authenticate': 'Bearer' });
  }
  static tooManyAttempts(waitMs: number): AuthException {
    return new AuthException(429, 'too_many_attempts', 'Too many sign-in attempts; try again later', {
      'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))),
    });
  }
  static csrfFailed(): AuthException {
    return new AuthException(403, 'csrf_failed', 'Missing or wrong X-CSRF-Token header; fetch a fresh one from GET /admin/api/session');
  }
  static forbidden(message: string): AuthException {
    return new AuthException(403, 'forbidden', message);
  }
}
