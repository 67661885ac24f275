import { useState } from 'react';
import { ApiError, api, call, type DeadLetter, type WebhookStatus } from '../api/client';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Empty, PagedTable, Section } from '../components/States';
import { RelativeTime } from '../components/Time';
import { number } from '../lib/format';
import { useCursorStack, useLoad, useNow } from '../lib/hooks';
import { Link } from '../lib/router';

type Result = { tone: 'success' | 'error' | 'warn'; text: string };
type Dialog = { kind: 'enable' } | { kind: 'redeliver'; letter: DeadLetter } | null;
const PAGE_SIZE = 50;

function failure(error: unknown, what: string): Result {
  const e = error instanceof ApiError ? error : new ApiError(0, 'client_error', String(error));
  if (e.code === 'webhook_event_not_dead') return { tone: 'warn', text: `${e.message}. Someone may have redelivered it already.` };
  if (e.code === 'webhook_event_not_found') return { tone: 'warn', text: `${e.message}.` };
  return { tone: 'error', text: `${what} failed (${e.status || 'network'} ${e.code}): ${e.message}` };
}

export function Webhooks() {
  const now = useNow();
  const status = useLoad(() => call(api.GET('/admin/api/webhooks')), 'webhooks');
  const pages = useCursorStack('dead-letters');
  const letters = useLoad(
    () => call(api.GET('/admin/api/webhooks/dead-letters', { params: { query: { limit: PAGE_SIZE, ...(pages.cursor ? { cursor: pages.cursor } : {}) } } })),
    pages.cursor ?? '',
  );
  const [dialog, setDialog] = useState<Dialog>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result | null>(null);
  const reload = () => {
    status.reload();
    letters.reload();
  };

  const act = async (what: string, run: () => Promise<Result>) => {
    setBusy(true);
    try {
      setResult(await run());
    } catch (error) {
      setResult(failure(error, what));
    } finally {
      setBusy(false);
      setDialog(null);
      reload();
    }
  };
  const enable = () =>
    act('Re-enabling', async () => {
      await call(api.POST('/admin/api/webhooks/enable'));
      return { tone: 'success', text: 'Delivery is enabled again: every instance resumes on its next poll, oldest events of each connection first.' };
    });
  const redeliver = (letter: DeadLetter) =>
    act('Redelivery', async () => {
      await call(api.POST('/admin/api/webhooks/dead-letters/{eventId}/redeliver', { params: { path: { eventId: letter.eventId } } }));
      return {
        tone: 'success',
        text: `Queued ${letter.type} #${letter.sequence} again. It keeps its id and sequence number, and goes out in its connection's order.`,
      };
    });

  return (
    <>
      <header className="page-head">
        <h1>Webhooks</h1>
        <button type="button" className="btn" onClick={reload} disabled={status.loading || letters.loading} data-testid="webhooks-reload">
          {status.loading || letters.loading ? 'Loading…' : 'Reload'}
        </button>
      </header>
      {result ? (
        <p className={`banner banner-${result.tone}`} role="status" data-testid="webhook-action-result" data-tone={result.tone}>
          {result.text}
        </p>
      ) : null}
      <Section load={status} label="Loading the delivery state…">
        {(s) => <StatusView status={s} now={now} busy={busy} onEnable={() => setDialog({ kind: 'enable' })} />}
      </Section>

      <h2 className="section-title">Dead letters</h2>
      <p className="muted small">
        Events not delivered within WEBHOOK_MAX_AGE after they were queued; kept 30 days. Later events of the same connection were delivered meanwhile, so a
        receiver sees a gap in that connection's sequence numbers.
      </p>
      <PagedTable
        load={letters}
        label="Loading dead letters…"
        pages={pages}
        empty={
          <Empty title="No dead letters" testId="dead-letters-empty">
            Every event was delivered, or is still being retried.
          </Empty>
        }
      >
        {(items) => (
          <table className="table" data-testid="dead-letters-table">
            <thead>
              <tr>
                <th scope="col">Died</th>
                <th scope="col">Event</th>
                <th scope="col">Connection</th>
                <th scope="col" className="num">
                  Attempts
                </th>
                <th scope="col">Last error</th>
                <th scope="col" aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.eventId} data-testid="dead-letter-row" data-event={d.eventId}>
                  <td className="nowrap">
                    <RelativeTime iso={d.deadAt} now={now} />
                  </td>
                  <td>
                    {d.type} <span className="muted">#{d.sequence}</span>
                    <div className="muted small">
                      <code>{d.eventId}</code>
                    </div>
                  </td>
                  <td>
                    <Link to={`/connections/${d.connectionId}`}>{d.userId ?? d.connectionId.slice(0, 8)}</Link>
                    {d.platform ? <span className="muted"> · {d.platform}</span> : null}
                  </td>
                  <td className="num">{number.format(d.attempts)}</td>
                  <td className="message">{d.lastError ?? '—'}</td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => setDialog({ kind: 'redeliver', letter: d })}
                      disabled={busy}
                      data-testid="redeliver"
                    >
                      Redeliver
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </PagedTable>

      <ConfirmDialog
        open={dialog?.kind === 'enable'}
        title="Resume webhook delivery?"
        confirmLabel="Resume delivery"
        busy={busy}
        onConfirm={enable}
        onCancel={() => setDialog(null)}
        testId="confirm-enable"
      >
        <p>
          The receiver answered 410 Gone, which says it wants no more webhooks. Resume only once it is ready again: every instance then delivers the waiting
          events, oldest of each connection first.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog?.kind === 'redeliver'}
        title="Redeliver this event?"
        confirmLabel="Redeliver"
        busy={busy}
        onConfirm={() => dialog?.kind === 'redeliver' && redeliver(dialog.letter)}
        onCancel={() => setDialog(null)}
        testId="confirm-redeliver"
      >
        <p>
          {dialog?.kind === 'redeliver' ? (
            <>
              <strong>{dialog.letter.type}</strong> #{dialog.letter.sequence} goes back into its connection's queue with a fresh WEBHOOK_MAX_AGE. Later events
              of that connection may already have been delivered: the receiver will see an older sequence number.
            </>
          ) : null}
        </p>
      </ConfirmDialog>
    </>
  );
}

function StatusView({ status, now, busy, onEnable }: { status: WebhookStatus; now: number; busy: boolean; onEnable: () => void }) {
  if (!status.configured) {
    return (
      <Empty title="Webhooks are not configured" testId="webhooks-off">
        Set WEBHOOK_URL and WEBHOOK_SECRET to send connection events to your receiver.
      </Empty>
    );
  }
  return (
    <div className="stack">
      {status.enabled ? null : (
        <div className="banner banner-error" role="alert" data-testid="webhooks-disabled">
          <p>
            <strong>Delivery is stopped.</strong> {status.receiverHost} answered 410 Gone <RelativeTime iso={status.disabledAt} now={now} /> (
            {status.disabledReason}). No instance sends webhooks until delivery is resumed; events are still recorded and become dead letters after
            WEBHOOK_MAX_AGE.
          </p>
          <button type="button" className="btn btn-primary" onClick={onEnable} disabled={busy} data-testid="enable-webhooks">
            Resume delivery
          </button>
        </div>
      )}
      <section className="cards" aria-label="Webhook delivery">
        <div className={`stat stat-${status.enabled ? 'ok' : 'bad'}`}>
          <span className="card-value" data-testid="webhooks-state">
            {status.enabled ? 'Delivering' : 'Stopped'}
          </span>
          <span className="card-label">to {status.receiverHost}</span>
        </div>
        <div className="stat stat-info">
          <span className="card-value" data-testid="webhooks-pending">
            {number.format(status.pending)}
          </span>
          <span className="card-label">Waiting</span>
        </div>
        <div className={`stat stat-${status.deadLetters ? 'warn' : 'plain'}`}>
          <span className="card-value" data-testid="webhooks-dead">
            {number.format(status.deadLetters)}
            {status.deadLetters >= 10_000 ? '+' : ''}
          </span>
          <span className="card-label">Dead letters</span>
        </div>
        <div className="stat stat-plain">
          <span className="card-value">{Math.round((status.maxAgeSeconds / 3600) * 10) / 10} h</span>
          <span className="card-label">WEBHOOK_MAX_AGE</span>
        </div>
      </section>
    </div>
  );
}
