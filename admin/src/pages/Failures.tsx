import { api, call, type FailureQuery } from '../api/client';
import { ClassBadge } from '../components/Badges';
import { PlatformFilter } from '../components/PlatformFilter';
import { Empty, PagedTable } from '../components/States';
import { RelativeTime } from '../components/Time';
import { useCursorStack, useLoad, useNow } from '../lib/hooks';
import { Link, type Location, setQuery } from '../lib/router';

type FailureClass = NonNullable<FailureQuery['failureClass']>;
// Checked against the API's enum by the compiler (schema.d.ts).
const CLASSES = [
  'invalid_grant',
  'invalid_client',
  'rate_limited',
  'transient',
  'malformed',
  'provider_error',
  'undecryptable',
  'internal',
  'expired',
] as const satisfies readonly FailureClass[];
const PAGE_SIZE = 50;

export function Failures({ location }: { location: Location }) {
  const now = useNow();
  const cls = location.query.get('failureClass') ?? '';
  const filters = {
    platform: location.query.get('platform') ?? '',
    failureClass: ((CLASSES as readonly string[]).includes(cls) ? cls : '') as FailureClass | '',
    connectionId: location.query.get('connectionId') ?? '',
  };
  const update = (patch: Partial<typeof filters>) => setQuery({ ...filters, ...patch });
  const filterKey = JSON.stringify(filters);
  const pages = useCursorStack(filterKey);
  const load = useLoad(
    () => {
      const query: FailureQuery = { limit: PAGE_SIZE };
      if (filters.platform) query.platform = filters.platform;
      if (filters.failureClass) query.failureClass = filters.failureClass;
      if (filters.connectionId) query.connectionId = filters.connectionId;
      if (pages.cursor) query.cursor = pages.cursor;
      return call(api.GET('/admin/api/refresh-failures', { params: { query } }));
    },
    `${filterKey}|${pages.cursor ?? ''}`,
  );
  const filtered = Boolean(filters.platform || filters.failureClass || filters.connectionId);

  return (
    <>
      <header className="page-head">
        <h1>Refresh failures</h1>
        <button type="button" className="btn" onClick={load.reload} disabled={load.loading}>
          {load.loading ? 'Loading…' : 'Reload'}
        </button>
      </header>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <PlatformFilter value={filters.platform} onChange={(platform) => update({ platform })} testId="failures-platform" />
        <label className="field">
          <span>Failure class</span>
          <select value={filters.failureClass} onChange={(e) => update({ failureClass: e.target.value as FailureClass | '' })} data-testid="failures-class">
            <option value="">Any class</option>
            {CLASSES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        {filters.connectionId ? (
          <div className="field">
            <span>Connection</span>
            <span className="chip-filter">
              <code>{filters.connectionId.slice(0, 8)}…</code>
              <button
                type="button"
                className="btn btn-ghost btn-small"
                onClick={() => update({ connectionId: '' })}
                aria-label="Show failures of every connection"
              >
                ✕
              </button>
            </span>
          </div>
        ) : null}
        {filtered ? (
          <button type="button" className="btn btn-ghost" onClick={() => setQuery({})}>
            Clear filters
          </button>
        ) : null}
      </form>

      <PagedTable
        load={load}
        label="Loading failures…"
        pages={pages}
        empty={
          <Empty title={filtered ? 'No failure matches these filters' : 'No failed refreshes'} testId="failures-empty">
            {filtered ? 'Try another platform or class.' : 'Every refresh recorded so far succeeded.'}
          </Empty>
        }
      >
        {(items) => (
          <table className="table" data-testid="failures-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Platform</th>
                <th scope="col">User</th>
                <th scope="col">Class</th>
                <th scope="col">Trigger</th>
                <th scope="col">Provider</th>
                <th scope="col">Message (redacted)</th>
              </tr>
            </thead>
            <tbody>
              {items.map((f) => (
                <tr key={f.id} data-testid="failure-row" data-connection={f.connectionId ?? ''} data-class={f.failureClass}>
                  <td className="nowrap">
                    <RelativeTime iso={f.occurredAt} now={now} />
                  </td>
                  <td>{f.platform}</td>
                  <td>{f.connectionId ? <Link to={`/connections/${f.connectionId}`}>{f.userId}</Link> : f.userId}</td>
                  <td>
                    <ClassBadge failureClass={f.failureClass} />
                  </td>
                  <td>{f.trigger}</td>
                  <td className="nowrap">{[f.httpStatus, f.providerCode].filter((x) => x !== null).join(' · ') || '—'}</td>
                  <td className="message" data-testid="failure-message">
                    {f.message}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </PagedTable>
    </>
  );
}
