import { useEffect, useState } from 'react';
import { api, type AuditQuery, call } from '../api/client';
import { PlatformFilter } from '../components/PlatformFilter';
import { Empty, PagedTable } from '../components/States';
import { RelativeTime } from '../components/Time';
import { absolute } from '../lib/format';
import { useCursorStack, useDebounced, useLoad, useNow } from '../lib/hooks';
import { type Location, setQuery } from '../lib/router';

const PAGE_SIZE = 50;

export function Audit({ location }: { location: Location }) {
  const now = useNow();
  const filters = { service: location.query.get('service') ?? '', userId: location.query.get('userId') ?? '', platform: location.query.get('platform') ?? '' };
  const [service, setService] = useState(filters.service);
  const [userId, setUserId] = useState(filters.userId);
  const typed = useDebounced({ service: service.trim(), userId: userId.trim() });
  useEffect(() => {
    if (typed.service !== filters.service || typed.userId !== filters.userId) setQuery({ ...filters, ...typed });
    // Only a pause in typing applies the text filters; a filter changed through the URL must not be overwritten by stale typing.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [typed.service, typed.userId]);

  const filterKey = JSON.stringify(filters);
  const pages = useCursorStack(filterKey);
  const load = useLoad(
    () => {
      const query: AuditQuery = { limit: PAGE_SIZE };
      if (filters.service) query.service = filters.service;
      if (filters.userId) query.userId = filters.userId;
      if (filters.platform) query.platform = filters.platform;
      if (pages.cursor) query.cursor = pages.cursor;
      return call(api.GET('/admin/api/audit', { params: { query } }));
    },
    `${filterKey}|${pages.cursor ?? ''}`,
  );
  const filtered = Boolean(filters.service || filters.userId || filters.platform);
  const clear = () => {
    setService('');
    setUserId('');
    setQuery({});
  };

  return (
    <>
      <header className="page-head">
        <div>
          <h1>Token audit</h1>
          <p className="muted">Every access token handed to a backend service through the internal-token endpoint.</p>
        </div>
      </header>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label className="field">
          <span>Service</span>
          <input type="search" value={service} onChange={(e) => setService(e.target.value)} placeholder="publisher" data-testid="audit-service" />
        </label>
        <label className="field">
          <span>User id</span>
          <input type="search" value={userId} onChange={(e) => setUserId(e.target.value)} placeholder="user-42" data-testid="audit-user" />
        </label>
        <PlatformFilter value={filters.platform} onChange={(platform) => setQuery({ ...filters, platform })} testId="audit-platform" />
        {filtered ? (
          <button type="button" className="btn btn-ghost" onClick={clear}>
            Clear filters
          </button>
        ) : null}
      </form>

      <PagedTable
        load={load}
        label="Loading the audit trail…"
        pages={pages}
        empty={
          <Empty title={filtered ? 'No token read matches these filters' : 'No tokens handed out yet'} testId="audit-empty">
            {filtered ? 'Try other filters.' : 'Reads by backend services (service JWT → internal-token endpoint) are recorded here.'}
          </Empty>
        }
      >
        {(items) => (
          <table className="table" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Service</th>
                <th scope="col">User</th>
                <th scope="col">Platform</th>
                <th scope="col">Time</th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.id} data-testid="audit-row">
                  <td className="nowrap">
                    <RelativeTime iso={a.accessedAt} now={now} />
                  </td>
                  <td>
                    <code>{a.service}</code>
                  </td>
                  <td>{a.userId}</td>
                  <td>{a.platform}</td>
                  <td className="nowrap muted">{absolute(a.accessedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </PagedTable>
    </>
  );
}
