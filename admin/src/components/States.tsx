import type { ComponentProps, ReactNode } from 'react';
import type { ApiError } from '../api/client';
import { Pager } from './Pager';

export function Loading({ label, testId = 'loading' }: { label: string; testId?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite" data-testid={testId}>
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function Empty({ title, children, testId = 'empty' }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="state state-empty" data-testid={testId}>
      <svg className="state-icon" viewBox="0 0 24 24" aria-hidden="true">
        <path d="M4 7h16M4 12h10M4 17h6" strokeWidth="2" strokeLinecap="round" fill="none" />
      </svg>
      <p className="state-title">{title}</p>
      {children ? <div className="state-body">{children}</div> : null}
    </div>
  );
}

export function ErrorState({ error, onRetry, testId = 'error' }: { error: ApiError; onRetry?: () => void; testId?: string }) {
  return (
    <div className="state state-error" role="alert" data-testid={testId}>
      <p className="state-title">{error.status === 0 ? 'Could not reach the service' : `Request failed (${error.status} ${error.code})`}</p>
      <p className="state-body">{error.message}</p>
      {onRetry ? (
        <button type="button" className="btn" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** A loaded section: spinner first, then the error or the content; keeps old content while reloading. */
export function Section<T>({
  load,
  label,
  children,
}: {
  load: { data: T | undefined; error: ApiError | undefined; loading: boolean; reload: () => void };
  label: string;
  children: (data: T) => ReactNode;
}) {
  if (load.error) return <ErrorState error={load.error} onRetry={load.reload} />;
  if (load.data === undefined) return <Loading label={label} />;
  return <div className={load.loading ? 'reloading' : undefined}>{children(load.data)}</div>;
}

type Page<T> = { items: T[]; nextCursor?: string | null };
type Pages = { page: number; previous: () => void; next: ComponentProps<typeof Pager>['onNext'] };

/** A cursor-paged list: error, loading or empty state, else the table in a scrolling card with a pager. */
export function PagedTable<T>({
  load,
  label,
  empty,
  pages,
  children,
}: {
  load: { data: Page<T> | undefined; error: ApiError | undefined; loading: boolean; reload: () => void };
  label: string;
  empty: ReactNode;
  pages: Pages;
  children: (items: T[]) => ReactNode;
}) {
  if (load.error) return <ErrorState error={load.error} onRetry={load.reload} />;
  if (load.data === undefined) return <Loading label={label} />;
  if (load.data.items.length === 0) return <>{empty}</>;
  return (
    <div className={`card card-flush${load.loading ? ' reloading' : ''}`}>
      <div className="table-scroll">{children(load.data.items)}</div>
      <Pager
        page={pages.page}
        hasPrevious={pages.page > 1}
        nextCursor={load.data.nextCursor ?? null}
        onPrevious={pages.previous}
        onNext={pages.next}
        count={load.data.items.length}
      />
    </div>
  );
}
