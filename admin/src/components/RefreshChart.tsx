import { useEffect, useRef, useState } from 'react';
import type { Summary } from '../api/client';
import { hourLabel, number } from '../lib/format';

const H = 180;
const PAD = { top: 12, right: 8, bottom: 28, left: 36 };

/** Hourly successful refreshes vs failures over 24 hours: a hand-drawn grouped bar chart. */
export function RefreshChart({ hourly }: { hourly: Summary['hourly'] }) {
  // Drawn at the figure's own width (1 SVG unit = 1 CSS pixel), so labels keep their size.
  const figure = useRef<HTMLElement>(null);
  const [W, setW] = useState(560);
  useEffect(() => {
    const el = figure.current;
    if (!el) return;
    const measure = () => setW(Math.max(280, Math.round(el.clientWidth)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const labelEvery = W < 480 ? 6 : W < 800 ? 3 : 2;
  const max = Math.max(1, ...hourly.map((h) => Math.max(h.refreshes, h.failures)));
  const top = niceCeil(max);
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const slot = innerW / Math.max(1, hourly.length);
  const bar = Math.max(2, Math.min(14, (slot - 6) / 2));
  const y = (v: number) => PAD.top + innerH - (v / top) * innerH;
  const ticks = [0, top / 2, top];
  return (
    <figure className="chart" data-testid="refresh-chart" ref={figure}>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label="Refreshes and failures per hour over the last 24 hours">
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} className="chart-grid" />
            <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className="chart-label">
              {number.format(t)}
            </text>
          </g>
        ))}
        {hourly.map((h, i) => {
          const x = PAD.left + i * slot + (slot - 2 * bar) / 2;
          return (
            <g key={h.hour}>
              <title>{`${hourLabel(h.hour)}: ${h.refreshes} refreshed, ${h.failures} failed`}</title>
              <rect x={x} y={y(h.refreshes)} width={bar} height={Math.max(0, PAD.top + innerH - y(h.refreshes))} className="chart-ok" />
              <rect x={x + bar} y={y(h.failures)} width={bar} height={Math.max(0, PAD.top + innerH - y(h.failures))} className="chart-fail" />
              {i % labelEvery === 0 ? (
                <text x={x + bar} y={H - 8} textAnchor="middle" className="chart-label">
                  {hourLabel(h.hour)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="chart-legend">
        <span className="legend legend-ok">Refreshed</span>
        <span className="legend legend-fail">Failed</span>
        <span className="muted">per hour, last 24 h</span>
      </figcaption>
    </figure>
  );
}

function niceCeil(n: number): number {
  if (n <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= n) return step * magnitude;
  return 10 * magnitude;
}
