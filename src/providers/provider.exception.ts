import { AppException } from '../common/app.exception.js';

/** How a failed provider call should be treated. */
export type FailureClass = 'invalid_grant' | 'invalid_client' | 'rate_limited' | 'transient' | 'malformed' | 'provider_error';

/**
 * A failed call to a provider, classified. `message` is safe to log and store: it never holds
 * the provider's raw body, a token or a URL with secrets.
 */
export class ProviderError extends Error {
  constructor(
    readonly failureClass: FailureClass,
    message: string,
    readonly details: { providerCode?: string; status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** HTTP-facing errors of the providers feature. */
export class ProvidersException extends AppException {
  static unknownPlatform(platform: string): ProvidersException {
    return new ProvidersException(404, 'unknown_platform', `Platform "${platform.slice(0, 64)}" is not enabled`);
  }
}
