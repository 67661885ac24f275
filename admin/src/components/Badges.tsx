import type { AdminConnection } from '../api/client';

export type DerivedStatus = 'needs_reauth' | 'failing' | 'expired' | 'expiring' | 'active';

const LABELS: Record<DerivedStatus, string> = {
  needs_reauth: 'needs reauth',
  failing: 'failing',
  expired: 'expired',
  expiring: 'expiring',
  active: 'active',
};

type StatusFields = Pick<AdminConnection, 'status' | 'consecutiveFailures' | 'accessTokenExpiresAt' | 'expiring'>;

/**
 * What an operator cares about first, most serious first. "expiring" is the server's: ends soon
 * and nothing renews it without the user (a token the scheduler refreshes is not expiring).
 */
export function deriveStatus(c: StatusFields, now = Date.now()): DerivedStatus {
  if (c.status === 'needs_reauth') return 'needs_reauth';
  if (c.consecutiveFailures > 0) return 'failing';
  if (c.accessTokenExpiresAt && new Date(c.accessTokenExpiresAt).getTime() <= now) return 'expired';
  if (c.expiring) return 'expiring';
  return 'active';
}

export function StatusBadge({ connection, now }: { connection: StatusFields; now?: number }) {
  const status = deriveStatus(connection, now);
  const extra = status === 'failing' ? ` ×${connection.consecutiveFailures}` : '';
  return (
    <span className={`badge badge-${status}`} data-testid="status-badge" data-status={status}>
      {LABELS[status]}
      {extra}
    </span>
  );
}

export function OutcomeBadge({ outcome }: { outcome: string }) {
  return <span className={`badge ${outcome === 'success' ? 'badge-active' : 'badge-failing'}`}>{outcome}</span>;
}

export function ClassBadge({ failureClass }: { failureClass: string }) {
  const serious = failureClass === 'invalid_grant' || failureClass === 'invalid_client' || failureClass === 'undecryptable' || failureClass === 'internal';
  return <span className={`badge ${serious ? 'badge-needs_reauth' : 'badge-failing'}`}>{failureClass}</span>;
}
