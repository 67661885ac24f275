export const WEBHOOK_EVENTS = [
  'connection.created',
  'connection.refresh_failed',
  'connection.reauth_required',
  'connection.recovered',
  'connection.deleted',
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
};
