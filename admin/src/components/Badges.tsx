import type { AdminConnection } from '../api/client';

export type DerivedStatus = 'needs_reauth' | 'failing' | 'expired' | 'expiring' | 'active';

const LABELS: Record<DerivedStatus, string> = {
  needs_reauth: 'needs reauth',
  failing: 'failing',
  expired: 'expired',
  expiring: 'expiring',
  active: 'active',
};

const EXPIRING_MS = 6 * 3_600_000;

/** What an operator cares about first, most serious first. */
export function deriveStatus(c: Pick<AdminConnection, 'status' | 'consecutiveFailures' | 'accessTokenExpiresAt'>, now = Date.now()): DerivedStatus {
  if (c.status === 'needs_reauth') return 'needs_reauth';
  if (c.consecutiveFailures > 0) return 'failing';
  if (c.accessTokenExpiresAt) {
    const left = new Date(c.accessTokenExpiresAt).getTime() - now;
    if (left <= 0) return 'expired';
    if (left < EXPIRING_MS) return 'expiring';
  }
  return 'active';
}

export function StatusBadge({
  connection,
  now,
}: {
  connection: Pick<AdminConnection, 'status' | 'consecutiveFailures' | 'accessTokenExpiresAt'>;
  now?: number;
}) {
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
