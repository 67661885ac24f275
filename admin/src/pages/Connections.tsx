import { useEffect, useState } from 'react';
import { type AdminConnection, api, call, type ConnectionQuery } from '../api/client';
import { StatusBadge } from '../components/Badges';
import { PlatformFilter } from '../components/PlatformFilter';
import { Empty, PagedTable } from '../components/States';
import { RelativeTime } from '../components/Time';
import { useCursorStack, useDebounced, useLoad, useNow } from '../lib/hooks';
import { historyState, Link, type Location, navigate, setQuery } from '../lib/router';

type Sort = NonNullable<ConnectionQuery['sort']>;
type Status = NonNullable<ConnectionQuery['status']>;
const STATUSES: { value: Status; label: string }[] = [
  { value: 'active', label: 'Active' },
  { value: 'expiring', label: 'Expiring soon' },
  { value: 'failing', label: 'Failing' },
  { value: 'needs_reauth', label: 'Needs reauth' },
];
const PAGE_SIZE = 25;

function readFilters(query: URLSearchParams) {
  const status = query.get('status');
  const sort = query.get('sort');
  return {
    platform: query.get('platform') ?? '',
    status: (STATUSES.some((s) => s.value === status) ? status : '') as Status | '',
    userId: query.get('userId') ?? '',
    account: query.get('account') ?? '',
    sort: (['expiry', 'last_refresh', 'failures', 'connected'].includes(sort ?? '') ? sort : 'expiry') as Sort,
    order: (query.get('order') === 'desc' ? 'desc' : 'asc') as 'asc' | 'desc',
  };
}

export function Connections({ location }: { location: Location }) {
  const filters = readFilters(location.query);
  const now = useNow();
  const [flash] = useState(() => historyState<{ flash?: string }>()?.flash ?? null);
  useEffect(() => {
    // One-shot: a reload of this page should not show it again.
    if (flash) window.history.replaceState(null, '', window.location.href);
  }, [flash]);

  // Text filters apply after a short pause in typing.
  const [userId, setUserId] = useState(filters.userId);
  const [account, setAccount] = useState(filters.account);
  const typed = useDebounced({ userId: userId.trim(), account: account.trim() });
  const update = (patch: Partial<typeof filters>) => {
    const next = { ...filters, ...patch };
    setQuery({ ...next, sort: next.sort === 'expiry' ? undefined : next.sort, order: next.order === 'asc' ? undefined : next.order });
  };
  useEffect(() => {
    if (typed.userId !== filters.userId || typed.account !== filters.account) update(typed);
    // Only a pause in typing applies the text filters; a filter changed through the URL must not be overwritten by stale typing.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [typed.userId, typed.account]);

  const filterKey = JSON.stringify(filters);
  const pages = useCursorStack(filterKey);
  const load = useLoad(
    () => {
      const query: ConnectionQuery = { limit: PAGE_SIZE, sort: filters.sort, order: filters.order };
      if (filters.platform) query.platform = filters.platform;
      if (filters.status) query.status = filters.status;
      if (filters.userId) query.userId = filters.userId;
      if (filters.account) query.account = filters.account;
      if (pages.cursor) query.cursor = pages.cursor;
      return call(api.GET('/admin/api/connections', { params: { query } }));
    },
    `${filterKey}|${pages.cursor ?? ''}`,
  );

  const filtered = Boolean(filters.platform || filters.status || filters.userId || filters.account);
  const clear = () => {
    setUserId('');
    setAccount('');
    setQuery({});
  };

  const sortHeader = (sort: Sort, label: string, className?: string) => {
    const active = filters.sort === sort;
    const nextOrder = active && filters.order === 'asc' ? 'desc' : 'asc';
    return (
      <th scope="col" className={className} aria-sort={active ? (filters.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
        <button
          type="button"
          className={`sort${active ? ' sort-active' : ''}`}
          onClick={() => update({ sort, order: active ? nextOrder : 'asc' })}
          data-testid={`sort-${sort}`}
        >
          {label}
          <span aria-hidden="true" className="sort-arrow">
            {active ? (filters.order === 'asc' ? '▲' : '▼') : '↕'}
          </span>
        </button>
      </th>
    );
  };

  return (
    <>
      <header className="page-head">
        <h1>Connections</h1>
      </header>
      {flash ? (
        <p className="banner banner-success" role="status" data-testid="flash">
          {flash}
        </p>
      ) : null}
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <PlatformFilter value={filters.platform} onChange={(platform) => update({ platform })} testId="filter-platform" />
        <label className="field">
          <span>Status</span>
          <select value={filters.status} onChange={(e) => update({ status: e.target.value as Status | '' })} data-testid="filter-status">
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>User id starts with</span>
          <input type="search" value={userId} onChange={(e) => setUserId(e.target.value)} placeholder="user-42" data-testid="filter-user" />
        </label>
        <label className="field">
          <span>Account or username</span>
          <input type="search" value={account} onChange={(e) => setAccount(e.target.value)} placeholder="@handle" data-testid="filter-account" />
        </label>
        {filtered ? (
          <button type="button" className="btn btn-ghost" onClick={clear} data-testid="filter-clear">
            Clear filters
          </button>
        ) : null}
      </form>

      <PagedTable
        load={load}
        label="Loading connections…"
        pages={pages}
        empty={
          <Empty title={filtered ? 'No connection matches these filters' : 'No connections yet'} testId="connections-empty">
            {filtered ? (
              <button type="button" className="btn" onClick={clear}>
                Clear filters
              </button>
            ) : (
              'Connections appear here once users connect a provider account.'
            )}
          </Empty>
        }
      >
        {(items) => (
          <table className="table table-hover" data-testid="connections-table">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Platform</th>
                <th scope="col">Account</th>
                <th scope="col">Status</th>
                {sortHeader('expiry', 'Access token')}
                {sortHeader('last_refresh', 'Last refresh')}
                {sortHeader('failures', 'Failures', 'num')}
                {sortHeader('connected', 'Connected')}
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <Row key={c.id} c={c} now={now} />
              ))}
            </tbody>
          </table>
        )}
      </PagedTable>
    </>
  );
}

function Row({ c, now }: { c: AdminConnection; now: number }) {
  const to = `/connections/${c.id}`;
  return (
    <tr
      data-testid="connection-row"
      data-id={c.id}
      data-user={c.userId}
      onClick={(e) => (e.target as HTMLElement).closest('a,button') || navigate(to)}
      className="clickable"
    >
      <td>
        <Link to={to} className="strong" data-testid="connection-link">
          {c.userId}
        </Link>
      </td>
      <td>{c.platform}</td>
      <td className="truncate" title={c.accountId ?? undefined}>
        {c.username ? `@${c.username}` : (c.accountId ?? <span className="muted">—</span>)}
        {c.label ? <span className="muted"> · {c.label}</span> : null}
        {c.missingScopes.length ? ' ' : null}
        {c.missingScopes.length ? (
          <span className="badge badge-failing" title={`Missing: ${c.missingScopes.join(', ')}`} data-testid="missing-scopes">
            lacks {c.missingScopes.length} scope{c.missingScopes.length > 1 ? 's' : ''}
          </span>
        ) : null}
      </td>
      <td>
        <StatusBadge connection={c} now={now} />
      </td>
      <td className="nowrap">
        <RelativeTime iso={c.accessTokenExpiresAt} now={now} kind="expiry" />
      </td>
      <td className="nowrap">
        <RelativeTime iso={c.lastRefreshedAt} now={now} />
      </td>
      <td className="num">{c.consecutiveFailures > 0 ? <strong className="text-warn">{c.consecutiveFailures}</strong> : 0}</td>
      <td className="nowrap">
        <RelativeTime iso={c.connectedAt} now={now} />
      </td>
    </tr>
  );
}
