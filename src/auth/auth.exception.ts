import { AppException } from '../common/app.exception.js';

export class AuthException extends AppException {
  static unauthorized(message: string): AuthException {
    return new AuthException(401, 'unauthorized', message, { 'WWW-Authenticate': 'Bearer' });
  }
  static forbidden(message: string): AuthException {
    return new AuthException(403, 'forbidden', message);
  }
}
