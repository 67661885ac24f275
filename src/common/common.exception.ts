import { AppException } from './app.exception.js';

/** Errors any route can answer: transport, validation and database failures. */
export class CommonException extends AppException {
  static validationFailed(message = 'userId is required'): CommonException {
    return new CommonException(400, 'validation_failed', message);
  }
  static invalidJson(): CommonException {
    return new CommonException(400, 'invalid_json', 'Request body is not valid JSON');
  }
  static payloadTooLarge(): CommonException {
    return new CommonException(413, 'payload_too_large', 'Request body is too large');
  }
  static unsupportedMediaType(expected: readonly string[], got?: string): CommonException {
    // Echo the sent type only when it looks like one: the header is the caller's text.
    const sent = got && /^[\w.+-]{1,64}\/[\w.+-]{1,64}$/.test(got) ? got : got ? 'an unsupported type' : 'no Content-Type';
    return new CommonException(415, 'unsupported_media_type', `Send the body as ${expected.join(' or ')} (Content-Type header); got ${sent}`);
  }
  static unsupportedCharset(): CommonException {
    return new CommonException(415, 'unsupported_media_type', 'Send the body in UTF-8 (Content-Type: application/json; charset=utf-8)');
  }
  static unsupportedEncoding(): CommonException {
    return new CommonException(415, 'unsupported_media_type', 'Send the body uncompressed, or with Content-Encoding gzip or deflate');
  }
  static routeNotFound(): CommonException {
    return new CommonException(404, 'not_found', 'Route not found');
  }
  static databaseBusy(): CommonException {
    return new CommonException(503, 'database_busy', 'The database did not answer in time; retry shortly', { 'Retry-After': '1' });
  }
  static databaseUnavailable(): CommonException {
    return new CommonException(503, 'database_unavailable', 'The database is unavailable; retry shortly', { 'Retry-After': '1' });
  }
  /** The answer of a failed readiness check (terminus' 503, through the exception filter). */
  static notReady(): CommonException {
    return new CommonException(503, 'service_unavailable', 'service unavailable');
  }
  static credentialUnreadable(): CommonException {
    return new CommonException(500, 'credential_unreadable', 'A stored credential could not be decrypted; check the encryption key ring');
  }
  static internalError(): CommonException {
    return new CommonException(500, 'internal_error', 'Internal server error');
  }
}
