import type { Schemas } from '../api/client';
import { Empty } from './States';
import { RelativeTime } from './Time';

const KINDS: Record<string, string> = {
  facebook_page: 'Facebook Page',
  instagram_account: 'Instagram account',
  linkedin_organization: 'LinkedIn organisation',
  youtube_channel: 'YouTube channel',
};

/** A connection's Pages, organisations and channels: what its jobs publish to, and whether the provider still lists them. */
export function AssetsCard({ list, now }: { list: Schemas['AssetListDto']; now: number }) {
  return (
    <section className="card" data-testid="detail-assets">
      <h2>Assets</h2>
      <p className="small">
        {list.syncedAt ? (
          <>
            Listed by the provider <RelativeTime iso={list.syncedAt} now={now} />
          </>
        ) : (
          'Not listed yet'
        )}
        {list.lastError ? <span data-testid="assets-error"> · last listing failed ({list.lastError})</span> : null}
      </p>
      {list.assets.length === 0 ? (
        <Empty title="No assets" testId="detail-assets-empty">
          This provider lists no Pages, organisations or channels for this connection.
        </Empty>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="detail-assets-table">
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Name</th>
                <th scope="col">Provider id</th>
                <th scope="col">Can</th>
                <th scope="col">Token</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {list.assets.map((a) => (
                <tr key={a.assetId} data-testid="asset-row" data-status={a.status}>
                  <td>{KINDS[a.kind] ?? a.kind}</td>
                  <td>{a.name ?? '—'}</td>
                  <td>
                    <code>{a.externalId}</code>
                  </td>
                  <td>{a.capabilities.join(', ') || '—'}</td>
                  <td>{a.hasOwnToken ? 'its own (Page token)' : 'the connection’s'}</td>
                  <td className="nowrap">
                    <span className={`badge ${a.status === 'active' ? 'badge-active' : 'badge-needs_reauth'}`}>{a.status}</span>
                    {a.removedAt ? (
                      <>
                        {' '}
                        <RelativeTime iso={a.removedAt} now={now} />
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
