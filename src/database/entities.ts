import { AssetSync } from '../assets/asset-sync.entity.js';
import { ConnectionAsset } from '../assets/connection-asset.entity.js';
import { AdminApiKey } from '../auth/admin-api-key.entity.js';
import { AdminSession } from '../auth/admin-session.entity.js';
import { AdminUser } from '../auth/admin-user.entity.js';
import { ProviderBreaker } from '../breaker/provider-breaker.entity.js';
import { ConnectSession } from '../connect-sessions/connect-session.entity.js';
import { Connection } from '../connections/connection.entity.js';
import { OAuthState } from '../connections/oauth-state.entity.js';
import { RateLimitCounter } from '../rate-limit/rate-limit.entity.js';
import { DemoProviderToken } from '../demo/demo-provider-token.entity.js';
import { TokenAccessAudit } from '../internal/token-access-audit.entity.js';
import { InstanceHeartbeat } from '../instances/instance-heartbeat.entity.js';
import { BackgroundJob } from '../jobs/background-job.entity.js';
import { RefreshFailure } from '../tokens/refresh-failure.entity.js';
import { RefreshLog } from '../tokens/refresh-log.entity.js';
import { WebhookEndpointState } from '../webhooks/webhook-endpoint-state.entity.js';
import { WebhookOutboxEvent } from '../webhooks/webhook-outbox.entity.js';
import { WebhookSequence } from '../webhooks/webhook-sequence.entity.js';

/**
 * Every entity, listed once for the app, the migration CLI and the tests. They describe the tables
 * the migrations create, exactly: `npm run migrations:check` fails when they disagree.
 */
export const ENTITIES = [
  Connection,
  OAuthState,
  AdminUser,
  AdminSession,
  AdminApiKey,
  RateLimitCounter,
  DemoProviderToken,
  RefreshFailure,
  RefreshLog,
  WebhookOutboxEvent,
  WebhookSequence,
  WebhookEndpointState,
  TokenAccessAudit,
  BackgroundJob,
  ProviderBreaker,
  InstanceHeartbeat,
  ConnectSession,
  ConnectionAsset,
  AssetSync,
];
