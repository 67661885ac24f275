export const WEBHOOK_EVENTS = [
  'connection.created',
  'connection.reconnected',
  'connection.expiring',
  'connection.refresh_failed',
  'connection.reauth_required',
  'connection.recovered',
  'connection.deleted',
  'asset.added',
  'asset.removed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** What receivers get. Never a token. */
export type ConnectionEventData = {
  connectionId: string;
  userId: string;
  platform: string;
  accountId?: string | null;
  status?: string;
  failureClass?: string;
  providerError?: string | null;
  consecutiveFailures?: number;
  /** created and reconnected: what the user granted, and the required scopes they did not. */
  grantedScopes?: string[];
  missingScopes?: string[];
  /** expiring: when the grant ends, which credential ends, and whether this is the first or the final (one day) warning. */
  expiresAt?: string;
  reason?: 'refresh_token_expires' | 'access_token_expires';
  warning?: 'first' | 'final';
  /** asset.added and asset.removed: which Page, organisation or channel. */
  asset?: { assetId: string; kind: string; externalId: string; name: string | null };
};
