import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';
import { OauthStates1764000100000 } from './1764000100000-oauth-states.js';
import { TokenLifecycle1764000200000 } from './1764000200000-token-lifecycle.js';
import { Admin1764000300000 } from './1764000300000-admin.js';
import { AdminSessions1764000400000 } from './1764000400000-admin-sessions.js';
import { RateLimits1764000410000 } from './1764000410000-rate-limits.js';
import { AdminApiKeys1764000420000 } from './1764000420000-admin-api-keys.js';
import { DemoProvider1764000500000 } from './1764000500000-demo-provider.js';
import { BackgroundJobs1764000900000 } from './1764000900000-background-jobs.js';
import { WebhookDelivery1764001000000 } from './1764001000000-webhook-delivery.js';
import { MultiAccount1764001300000 } from './1764001300000-multi-account.js';
import { ConnectSessions1764001400000 } from './1764001400000-connect-sessions.js';

/** Migrations in order. Listed explicitly so the app, CLI and tests load the same set under ESM. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  OauthStates1764000100000,
  TokenLifecycle1764000200000,
  Admin1764000300000,
  AdminSessions1764000400000,
  RateLimits1764000410000,
  AdminApiKeys1764000420000,
  DemoProvider1764000500000,
  BackgroundJobs1764000900000,
  WebhookDelivery1764001000000,
  MultiAccount1764001300000,
  ConnectSessions1764001400000,
];
