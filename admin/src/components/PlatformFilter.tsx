import { usePlatforms } from '../lib/platforms';

/** The platform menu of the list pages: the summary's platforms (enabled ones, and others with connections), plus the one in the URL. */
export function PlatformFilter({ value, onChange, testId }: { value: string; onChange: (platform: string) => void; testId: string }) {
  const platforms = usePlatforms();
  return (
    <label className="field">
      <span>Platform</span>
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value="">All platforms</option>
        {[...new Set([...platforms, ...(value ? [value] : [])])].map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
    </label>
  );
}
