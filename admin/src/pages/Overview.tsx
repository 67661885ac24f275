import { api, call, type Summary } from '../api/client';
import { RefreshChart } from '../components/RefreshChart';
import { Empty, Section } from '../components/States';
import { RelativeTime } from '../components/Time';
import { number } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { Link } from '../lib/router';

type Card = { key: keyof Summary['totals'] | 'refreshes24h' | 'failures24h'; label: string; tone?: string; to?: string };

const CARDS: Card[] = [
  { key: 'total', label: 'Connections', to: '/connections' },
  { key: 'active', label: 'Active', tone: 'ok', to: '/connections?status=active' },
  { key: 'expiring', label: 'Expiring soon', tone: 'info', to: '/connections?status=expiring' },
  { key: 'failing', label: 'Failing', tone: 'warn', to: '/connections?status=failing' },
  { key: 'needsReauth', label: 'Need reauth', tone: 'bad', to: '/connections?status=needs_reauth' },
  { key: 'refreshes24h', label: 'Refreshes, 24 h', tone: 'ok' },
  { key: 'failures24h', label: 'Failures, 24 h', tone: 'bad', to: '/failures' },
];

export function Overview() {
  const load = useLoad(() => call(api.GET('/admin/api/summary')), 'summary');
  return (
    <>
      <header className="page-head">
        <h1>Overview</h1>
        <button type="button" className="btn" onClick={load.reload} disabled={load.loading} data-testid="overview-reload">
          {load.loading ? 'Loading…' : 'Reload'}
        </button>
      </header>
      <Section load={load} label="Loading the summary…">
        {(s) => <SummaryView summary={s} />}
      </Section>
    </>
  );
}

function SummaryView({ summary }: { summary: Summary }) {
  const value = (key: Card['key']) => (key === 'refreshes24h' || key === 'failures24h' ? summary[key] : (summary.totals[key] as number));
  const keyIds = Object.entries(summary.valuesByKeyId);
  return (
    <div className="stack">
      <section className="cards" aria-label="Totals">
        {CARDS.map((c) => {
          const body = (
            <>
              <span className="card-value" data-testid={`total-${c.key}`}>
                {number.format(value(c.key))}
              </span>
              <span className="card-label">{c.label}</span>
            </>
          );
          return c.to ? (
            <Link key={c.key} to={c.to} className={`stat stat-${c.tone ?? 'plain'}`}>
              {body}
            </Link>
          ) : (
            <div key={c.key} className={`stat stat-${c.tone ?? 'plain'}`}>
              {body}
            </div>
          );
        })}
      </section>

      <section className="card">
        <h2>Refreshes per hour</h2>
        {summary.refreshes24h + summary.failures24h === 0 ? (
          <Empty title="No refreshes in the last 24 hours" testId="chart-empty">
            Tokens are refreshed when they near expiry, by the scheduled job or on demand.
          </Empty>
        ) : (
          <RefreshChart hourly={summary.hourly} />
        )}
      </section>

      <section className="card">
        <h2>By platform</h2>
        {summary.totals.total === 0 ? (
          <Empty title="No connections yet" testId="platforms-empty">
            Connections appear here once users connect a provider account.
          </Empty>
        ) : (
          <div className="table-scroll">
            <table className="table" data-testid="platform-table">
              <thead>
                <tr>
                  <th scope="col">Platform</th>
                  <th scope="col" className="num">
                    Total
                  </th>
                  <th scope="col" className="num">
                    Active
                  </th>
                  <th scope="col" className="num">
                    Expiring
                  </th>
                  <th scope="col" className="num">
                    Failing
                  </th>
                  <th scope="col" className="num">
                    Need reauth
                  </th>
                </tr>
              </thead>
              <tbody>
                {summary.platforms.map((p) => (
                  <tr key={p.platform} data-testid={`platform-row-${p.platform}`}>
                    <th scope="row">
                      <Link to={`/connections?platform=${encodeURIComponent(p.platform)}`}>{p.platform}</Link>
                    </th>
                    <td className="num">{number.format(p.total)}</td>
                    <td className="num">{number.format(p.active)}</td>
                    <td className="num">
                      {p.expiring ? <Link to={`/connections?platform=${encodeURIComponent(p.platform)}&status=expiring`}>{number.format(p.expiring)}</Link> : 0}
                    </td>
                    <td className="num">
                      {p.failing ? <Link to={`/connections?platform=${encodeURIComponent(p.platform)}&status=failing`}>{number.format(p.failing)}</Link> : 0}
                    </td>
                    <td className="num">
                      {p.needsReauth ? (
                        <Link to={`/connections?platform=${encodeURIComponent(p.platform)}&status=needs_reauth`}>{number.format(p.needsReauth)}</Link>
                      ) : (
                        0
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <BreakersView breakers={summary.breakers} />

      {keyIds.length > 0 ? (
        <section className="card">
          <h2>Encrypted values by key</h2>
          <p className="muted small">Stored encrypted values per key id of the key ring (the first key of TOKEN_ENCRYPTION_KEYS encrypts new values).</p>
          <ul className="key-list">
            {keyIds.map(([kid, n]) => (
              <li key={kid}>
                <code>{kid}</code> <span>{number.format(n)}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

const BREAKER_LABELS: Record<Summary['breakers'][number]['state'], string> = { closed: 'closed', open: 'open', half_open: 'half-open (probing)' };

/** Each provider's circuit breaker: open while the provider fails for everyone (refreshes then wait for one probe every few seconds). */
function BreakersView({ breakers }: { breakers: Summary['breakers'] }) {
  if (breakers.length === 0) return null;
  const now = Date.now();
  return (
    <section className="card">
      <h2>Providers</h2>
      <p className="muted small">
        A provider&apos;s circuit breaker opens when most of its refreshes fail (at least 5 in 30 s); while open, expired tokens answer 503 at once and one
        probe goes every few seconds until one succeeds.
      </p>
      <div className="table-scroll">
        <table className="table" data-testid="breaker-table">
          <thead>
            <tr>
              <th scope="col">Platform</th>
              <th scope="col">Circuit breaker</th>
              <th scope="col">Since</th>
              <th scope="col">Next probe</th>
              <th scope="col" className="num">
                Failures, 30 s
              </th>
            </tr>
          </thead>
          <tbody>
            {breakers.map((b) => (
              <tr key={b.platform} data-testid={`breaker-row-${b.platform}`}>
                <th scope="row">{b.platform}</th>
                <td>
                  <span className={`badge badge-${b.state === 'closed' ? 'active' : 'needs_reauth'}`} data-testid="breaker-state" data-state={b.state}>
                    {BREAKER_LABELS[b.state]}
                  </span>
                </td>
                <td>{b.openedAt ? <RelativeTime iso={b.openedAt} now={now} /> : <span className="muted">—</span>}</td>
                <td>{b.nextProbeAt ? <RelativeTime iso={b.nextProbeAt} now={now} /> : <span className="muted">—</span>}</td>
                <td className="num">
                  {number.format(b.recentFailures)} of {number.format(b.recentAttempts)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
