import { AppException } from '../common/app.exception.js';

export class TokensException extends AppException {
  static notConnected(platform: string): TokensException {
    return new TokensException(404, 'not_connected', `The user has not connected ${platform}`);
  }
  static reauthRequired(platform: string): TokensException {
    return new TokensException(409, 'reauth_required', `The user must reconnect ${platform}: the provider no longer accepts this grant`);
  }
  static providerUnavailable(platform: string, retryAfterMs: number): TokensException {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    return new TokensException(503, 'provider_unavailable', `The access token has expired and ${platform} is failing to refresh it; retry in ${seconds} s`, {
      'Retry-After': String(seconds),
    });
  }
  static connectionAmbiguous(
    platform: string,
    candidates: { connectionId: string; accountId: string | null; label: string | null; username: string | null }[],
  ): TokensException {
    return new TokensException(
      409,
      'connection_ambiguous',
      `The user has ${candidates.length} ${platform} connections; pass connectionId or accountId (see candidates)`,
      {},
      { candidates },
    );
  }
  static insufficientScope(platform: string, connectionId: string, missingScopes: string[]): TokensException {
    return new TokensException(
      409,
      'insufficient_scope',
      `The ${platform} grant lacks ${missingScopes.join(', ')}; the user must reconnect with them (connect-url with connectUrlParams)`,
      {},
      { missingScopes, connectUrlParams: { connectionId, scopes: missingScopes.join(',') } },
    );
  }
  static refreshInProgress(platform: string, retryAfterMs: number): TokensException {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    return new TokensException(
      503,
      'refresh_in_progress',
      `The access token has expired and another instance is still refreshing it (${platform} is slow to answer); retry in ${seconds} s`,
      { 'Retry-After': String(seconds) },
    );
  }
  static connectionNotFound(): TokensException {
    return new TokensException(404, 'not_connected', 'No connection has this connectionId');
  }
  static tokenUnknown(): TokensException {
    return new TokensException(
      409,
      'token_unknown',
      "accessTokenHash is neither this connection's current access token nor the one it replaced; report the token you got from internal-token (SHA-256, hex)",
    );
  }
  static tooManyReports(waitMs: number): TokensException {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return new TokensException(429, 'too_many_requests', `Too many rejected-token reports for this connection; retry in ${seconds} s`, {
      'Retry-After': String(seconds),
    });
  }
  static platformNotAllowed(platform: string): TokensException {
    return new TokensException(403, 'forbidden', `This service token may not read ${platform} tokens`);
  }
}
