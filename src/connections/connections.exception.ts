import { AppException } from '../common/app.exception.js';
import { safeCode } from '../common/safe-text.js';

/** Errors of the connect flow and connection management. */
export class ConnectionsException extends AppException {
  static invalidState(): ConnectionsException {
    return new ConnectionsException(
      400,
      'invalid_state',
      'The state is unknown, already used, or belongs to another user or platform; start the connection again',
    );
  }
  static stateExpired(): ConnectionsException {
    return new ConnectionsException(400, 'state_expired', 'The connection attempt expired; start it again');
  }
  static accessDenied(providerError: string): ConnectionsException {
    return new ConnectionsException(400, 'access_denied', `The user did not authorise the connection (${safeCode(providerError) ?? 'no error code'})`);
  }
  static issuerMismatch(): ConnectionsException {
    return new ConnectionsException(400, 'issuer_mismatch', "The authorization response names another issuer than this provider's; start the connection again");
  }
  static issuerUnexpected(): ConnectionsException {
    return new ConnectionsException(
      400,
      'issuer_mismatch',
      'The authorization response names an issuer, but this provider declares none; start the connection again (an operator may need to set its issuer)',
    );
  }
  static issuerMissing(): ConnectionsException {
    return new ConnectionsException(
      400,
      'issuer_missing',
      'The authorization response has no iss, which this provider always sends (RFC 9207); post every parameter of the redirect, then start the connection again',
    );
  }
  static missingCode(): ConnectionsException {
    return new ConnectionsException(400, 'validation_failed', 'code is required unless error is given');
  }
  static tooManyPending(limit: number): ConnectionsException {
    return new ConnectionsException(
      429,
      'too_many_pending_states',
      `At most ${limit} connection attempts may be pending per user; finish or wait for one to expire`,
    );
  }
  static rateLimited(waitMs: number): ConnectionsException {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return new ConnectionsException(429, 'too_many_requests', `Too many connection attempts; retry in ${seconds} s`, { 'Retry-After': String(seconds) });
  }
  static connectionNotFound(): ConnectionsException {
    return new ConnectionsException(404, 'not_connected', 'No connection of this user has this connectionId (on this platform)');
  }
  static tooManyConnections(platform: string, limit: number): ConnectionsException {
    return new ConnectionsException(
      409,
      'too_many_connections',
      `A user may connect at most ${limit} ${platform} accounts; disconnect one first (reconnecting a connected account always works)`,
    );
  }
  static accountMismatch(): ConnectionsException {
    return new ConnectionsException(
      409,
      'account_mismatch',
      'The provider returned another account than the connection being reconnected; nothing changed (sign in to the provider as that account, or connect it as a new connection)',
    );
  }
  static noAccount(error: string, message: string): ConnectionsException {
    return new ConnectionsException(400, error, message);
  }
  static invalidScopes(reason: string): ConnectionsException {
    return new ConnectionsException(400, 'validation_failed', `scopes ${reason}`);
  }
  static providerRejected(providerCode: string | undefined): ConnectionsException {
    return new ConnectionsException(400, 'provider_error', `The provider rejected the request${providerCode ? ` (${providerCode})` : ''}`);
  }
  static providerUnavailable(retryAfterMs?: number): ConnectionsException {
    const headers: Record<string, string> = retryAfterMs ? { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) } : {};
    // 424: the request was fine but the provider it depends on failed; the user can retry.
    return new ConnectionsException(424, 'provider_unavailable', 'The provider did not answer usably; try again shortly', headers);
  }
  static connectFailed(): ConnectionsException {
    // The state is already spent, so the attempt cannot be retried as is: the user starts again.
    return new ConnectionsException(503, 'connect_failed', 'The connection could not be completed (logged for the operator); start it again shortly');
  }
  static providerMisconfigured(): ConnectionsException {
    return new ConnectionsException(
      424,
      'provider_misconfigured',
      "The provider rejected this service's client credentials; an operator must fix the configuration",
    );
  }
}
