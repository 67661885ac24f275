import { absolute, expiry, relative } from '../lib/format';

export function RelativeTime({ iso, now, kind = 'relative' }: { iso: string | null | undefined; now: number; kind?: 'relative' | 'expiry' }) {
  if (!iso) return <span className="muted">{kind === 'expiry' ? 'no expiry' : 'never'}</span>;
  const past = new Date(iso).getTime() < now;
  return (
    <time dateTime={iso} title={absolute(iso)} className={kind === 'expiry' && past ? 'text-danger' : undefined}>
      {kind === 'expiry' ? expiry(iso, now) : relative(iso, now)}
    </time>
  );
}
