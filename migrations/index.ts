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
import { Outages1764001100000 } from './1764001100000-outages.js';
import { AdminSearch1764001200000 } from './1764001200000-admin-search.js';
import { MultiAccount1764001300000 } from './1764001300000-multi-account.js';
import { TokenRejected1764001310000 } from './1764001310000-token-rejected.js';
import { ExpiryWarnings1764001320000 } from './1764001320000-expiry-warnings.js';
import { ConnectSessions1764001400000 } from './1764001400000-connect-sessions.js';
import { NextRefreshAt1764001500000 } from './1764001500000-next-refresh-at.js';
import { Assets1764001600000 } from './1764001600000-assets.js';

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
  Outages1764001100000,
  AdminSearch1764001200000,
  MultiAccount1764001300000,
  TokenRejected1764001310000,
  ExpiryWarnings1764001320000,
  ConnectSessions1764001400000,
  NextRefreshAt1764001500000,
  Assets1764001600000,
];
