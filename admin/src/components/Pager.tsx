export function Pager({
  page,
  hasPrevious,
  nextCursor,
  onPrevious,
  onNext,
  count,
}: {
  page: number;
  hasPrevious: boolean;
  nextCursor: string | null;
  onPrevious: () => void;
  onNext: (cursor: string) => void;
  count: number;
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="btn" onClick={onPrevious} disabled={!hasPrevious} data-testid="page-previous">
        ← Previous
      </button>
      <span className="muted" data-testid="page-number">
        Page {page} · {count} shown
      </span>
      <button type="button" className="btn" onClick={() => nextCursor && onNext(nextCursor)} disabled={!nextCursor} data-testid="page-next">
        Next →
      </button>
    </nav>
  );
}
