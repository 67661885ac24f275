import { AppException } from '../common/app.exception.js';

/** Errors of POST /connect-sessions (the hosted pages answer HTML, see hosted-page.html.ts). */
export class ConnectSessionsException extends AppException {
  static returnUrlNotAllowed(configured: boolean): ConnectSessionsException {
    return new ConnectSessionsException(
      400,
      'return_url_not_allowed',
      configured
        ? 'returnUrl is not on CONNECT_RETURN_URLS (compared as scheme, host, port and path; an absolute http(s) URL without user name or password)'
        : 'CONNECT_RETURN_URLS is not set, so no returnUrl is allowed; an operator must list your app’s origins or URL prefixes',
    );
  }
  static platformNotAllowed(platform: string): ConnectSessionsException {
    return new ConnectSessionsException(403, 'forbidden', `This service token may not offer ${platform.slice(0, 64)}`);
  }
  static invalid(message: string): ConnectSessionsException {
    return new ConnectSessionsException(400, 'validation_failed', message);
  }
}
