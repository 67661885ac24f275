/**
 * Base for every module's exception: an HTTP status, a snake_case code and a message that is
 * safe to show to the caller (never a token, never a provider's raw body).
 */
export class AppException extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Fields some codes add to the error body (candidates, missingScopes): never anything secret. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}
