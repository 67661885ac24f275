import { type ReactNode, useState } from 'react';
import { ApiError, api, call, type ConnectionDetail as Detail } from '../api/client';
import { AssetsCard } from '../components/AssetsCard';
import { ClassBadge, OutcomeBadge, StatusBadge } from '../components/Badges';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Empty, ErrorState, Loading } from '../components/States';
import { RelativeTime } from '../components/Time';
import { absolute, expiry, relative } from '../lib/format';
import { useLoad, useNow } from '../lib/hooks';
import { Link, navigate } from '../lib/router';

type Result = { tone: 'success' | 'error' | 'warn'; text: string };

function explain(error: unknown, action: 'refresh' | 'disconnect'): Result {
  const e = error instanceof ApiError ? error : new ApiError(0, 'client_error', String(error));
  if (e.code === 'refresh_cooldown') return { tone: 'warn', text: `Cooldown: ${e.message}. A forced refresh is allowed once every 30 s per connection.` };
  if (e.code === 'reauth_required') return { tone: 'error', text: `Cannot refresh: ${e.message}.` };
  if (e.code === 'platform_disabled') return { tone: 'error', text: `Cannot refresh: ${e.message}.` };
  if (e.status === 404) return { tone: 'error', text: 'This connection no longer exists.' };
  return { tone: 'error', text: `${action === 'refresh' ? 'Refresh' : 'Disconnect'} failed (${e.status || 'network'} ${e.code}): ${e.message}` };
}

export function ConnectionDetail({ id }: { id: string }) {
  const now = useNow(15_000);
  const load = useLoad(() => call(api.GET('/admin/api/connections/{id}', { params: { path: { id } } })), id);
  const [dialog, setDialog] = useState<'refresh' | 'disconnect' | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result | null>(null);

  const refresh = async () => {
    setBusy(true);
    try {
      const r = await call(api.POST('/admin/api/connections/{id}/refresh', { params: { path: { id } } }));
      if (r.refreshed) setResult({ tone: 'success', text: `Refreshed: the new access token ${expiry(r.accessTokenExpiresAt)}.` });
      else if (r.consecutiveFailures > 0 || r.status === 'needs_reauth')
        setResult({
          tone: 'error',
          text: `Refresh failed (${r.lastErrorClass ?? 'unknown'}). ${r.status === 'needs_reauth' ? 'The provider rejected the grant: the user must reconnect.' : `The failure is recorded below${r.nextRetryAt ? `; the next automatic retry is ${relative(r.nextRetryAt)}` : ''}.`}`,
        });
      else setResult({ tone: 'warn', text: 'No new token: another refresh finished at the same moment; the connection is up to date.' });
    } catch (error) {
      setResult(explain(error, 'refresh'));
    } finally {
      setBusy(false);
      setDialog(null);
      load.reload();
    }
  };

  const disconnect = async () => {
    setBusy(true);
    try {
      await call(api.DELETE('/admin/api/connections/{id}', { params: { path: { id } } }));
      const who = load.data ? `${load.data.platform} connection of ${load.data.userId}` : 'connection';
      navigate('/connections', {
        state: { flash: `Disconnected the ${who}: the grant was revoked at the provider (where supported) and the tokens deleted.` },
      });
    } catch (error) {
      setResult(explain(error, 'disconnect'));
      setBusy(false);
      setDialog(null);
    }
  };

  return (
    <>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/connections">← Connections</Link>
      </nav>
      {load.error ? (
        load.error.status === 404 ? (
          <Empty title="No connection has this id" testId="detail-missing">
            It may have been disconnected. <Link to="/connections">Back to the list</Link>
          </Empty>
        ) : (
          <ErrorState error={load.error} onRetry={load.reload} />
        )
      ) : !load.data ? (
        <Loading label="Loading the connection…" />
      ) : (
        <DetailView c={load.data} now={now} reloading={load.loading}>
          {result ? (
            <p className={`banner banner-${result.tone}`} role="status" data-testid="action-result" data-tone={result.tone}>
              {result.text}
            </p>
          ) : null}
          <div className="actions">
            <button type="button" className="btn btn-primary" onClick={() => setDialog('refresh')} disabled={busy} data-testid="force-refresh">
              Force refresh
            </button>
            <button type="button" className="btn btn-danger" onClick={() => setDialog('disconnect')} disabled={busy} data-testid="disconnect">
              Disconnect
            </button>
          </div>
        </DetailView>
      )}
      <ConfirmDialog
        open={dialog === 'refresh'}
        title="Force a refresh?"
        confirmLabel="Refresh now"
        busy={busy}
        onConfirm={refresh}
        onCancel={() => setDialog(null)}
        testId="confirm-refresh"
      >
        <p>
          The service asks {load.data?.platform ?? 'the provider'} for new tokens now, even if the current ones are still valid. Forced refreshes are limited to
          one every 30 seconds per connection.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'disconnect'}
        title="Disconnect this account?"
        confirmLabel="Disconnect"
        danger
        busy={busy}
        onConfirm={disconnect}
        onCancel={() => setDialog(null)}
        testId="confirm-disconnect"
      >
        <p>
          The grant is revoked at {load.data?.platform ?? 'the provider'} where supported and the tokens are deleted, exactly as if{' '}
          {load.data ? <strong>{load.data.userId}</strong> : 'the user'} disconnected. They must connect again to use it. This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}

function Field({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="field-row">
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

function DetailView({ c, now, reloading, children }: { c: Detail; now: number; reloading: boolean; children: ReactNode }) {
  return (
    <div className={`stack${reloading ? ' reloading' : ''}`} data-testid="connection-detail" data-id={c.id}>
      <header className="page-head">
        <div>
          <h1>
            {c.platform} · {c.username ? `@${c.username}` : (c.accountId ?? c.userId)}
          </h1>
          <p className="muted">
            Connected by <strong>{c.userId}</strong> <RelativeTime iso={c.connectedAt} now={now} />
          </p>
        </div>
        <StatusBadge connection={c} now={now} />
      </header>
      {children}
      <section className="card">
        <h2>Connection</h2>
        <dl className="fields">
          <Field label="Access token">
            <span data-testid="detail-expiry">
              <RelativeTime iso={c.accessTokenExpiresAt} now={now} kind="expiry" />
            </span>
            {c.accessTokenExpiresAt ? <span className="muted small block">{absolute(c.accessTokenExpiresAt)}</span> : null}
          </Field>
          <Field label="Refresh token">
            <RelativeTime iso={c.refreshTokenExpiresAt} now={now} kind="expiry" />
          </Field>
          <Field label="Last refresh" testId="detail-last-refresh">
            <RelativeTime iso={c.lastRefreshedAt} now={now} />
          </Field>
          <Field label="Consecutive failures" testId="detail-failures">
            {c.consecutiveFailures}
            {c.lastErrorClass ? (
              <>
                {' '}
                · last: <ClassBadge failureClass={c.lastErrorClass} />
              </>
            ) : null}
          </Field>
          <Field label="Next retry">{c.nextRetryAt ? <RelativeTime iso={c.nextRetryAt} now={now} /> : <span className="muted">not scheduled</span>}</Field>
          <Field label="Status">{c.status === 'needs_reauth' ? 'needs re-authorisation' : 'active'}</Field>
          <Field label="User id">
            <code>{c.userId}</code>
          </Field>
          <Field label="Platform">{c.platform}</Field>
          <Field label="Account id">{c.accountId ? <code>{c.accountId}</code> : <span className="muted">—</span>}</Field>
          <Field label="Username">{c.username ?? <span className="muted">—</span>}</Field>
          <Field label="Label">{c.label ?? <span className="muted">—</span>}</Field>
          <Field label="Missing scopes">
            {c.missingScopes.length ? (
              c.missingScopes.map((s) => (
                <code key={s} className="chip text-warn" data-testid="missing-scope">
                  {s}
                </code>
              ))
            ) : (
              <span className="muted">none: the grant has every required scope</span>
            )}
          </Field>
          <Field label="Reconnected">
            {c.reconnectCount > 0 ? (
              <>
                {c.reconnectCount} time{c.reconnectCount > 1 ? 's' : ''}, last <RelativeTime iso={c.reconnectedAt} now={now} />
              </>
            ) : (
              <span className="muted">never</span>
            )}
          </Field>
          <Field
            label={
              c.scopesSource === 'assumed'
                ? 'Scopes (assumed: the provider did not say)'
                : `Scopes (from the ${c.scopesSource === 'token' ? 'token response' : "provider's introspection"})`
            }
          >
            {c.scopes.length ? (
              c.scopes.map((s) => (
                <code key={s} className="chip">
                  {s}
                </code>
              ))
            ) : (
              <span className="muted">none recorded</span>
            )}
          </Field>
          <Field label="Connection id">
            <code className="break">{c.id}</code>
          </Field>
        </dl>
      </section>

      <AssetsCard list={c.assets} now={now} />

      <section className="card">
        <h2>Refresh history</h2>
        {c.history.length === 0 ? (
          <Empty title="Never refreshed" testId="history-empty">
            The tokens are the ones from the original connection.
          </Empty>
        ) : (
          <div className="table-scroll">
            <table className="table" data-testid="history-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Outcome</th>
                  <th scope="col" className="num">
                    Duration
                  </th>
                </tr>
              </thead>
              <tbody>
                {c.history.map((h, i) => (
                  <tr key={`${h.occurredAt}-${i}`} data-testid="history-row">
                    <td className="nowrap">
                      <RelativeTime iso={h.occurredAt} now={now} />
                    </td>
                    <td>{h.trigger}</td>
                    <td>
                      <OutcomeBadge outcome={h.outcome} />
                    </td>
                    <td className="num">{h.durationMs} ms</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card">
        <h2>
          Failures{' '}
          {c.failures.length ? (
            <Link to={`/failures?connectionId=${c.id}`} className="small">
              all failures of this connection →
            </Link>
          ) : null}
        </h2>
        {c.failures.length === 0 ? (
          <Empty title="No failed refreshes" testId="detail-failures-empty" />
        ) : (
          <div className="table-scroll">
            <table className="table" data-testid="detail-failures-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Class</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Provider</th>
                  <th scope="col">Message (redacted)</th>
                </tr>
              </thead>
              <tbody>
                {c.failures.map((f) => (
                  <tr key={f.id}>
                    <td className="nowrap">
                      <RelativeTime iso={f.occurredAt} now={now} />
                    </td>
                    <td>
                      <ClassBadge failureClass={f.failureClass} />
                    </td>
                    <td>{f.trigger}</td>
                    <td className="nowrap">{[f.httpStatus, f.providerCode].filter((x) => x !== null).join(' · ') || '—'}</td>
                    <td className="message">{f.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
