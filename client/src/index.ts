export { createTokenClient } from './token-client.js';
export {
  AmbiguousConnectionError,
  type ConnectionCandidate,
  InsufficientScopeError,
  NotConnectedError,
  ProviderUnavailableError,
  ReauthRequiredError,
  ServiceAuthError,
  ServiceUnreachableError,
  TokenServiceError,
} from './errors.js';
export type {
  ConnectSession,
  ConnectSessionRequest,
  InternalTokenAnswer,
  RejectedTokenReport,
  ServiceErrorBody,
  TokenAsset,
  TokenClient,
  TokenClientOptions,
  TokenClientStats,
  TokenResult,
  TokenSelector,
} from './types.js';
