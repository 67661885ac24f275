import { backoffMs } from '../../src/common/backoff.js';
import { likeEscape } from '../../src/common/like-escape.js';
import { affectedRows, resultRows } from '../../src/common/query-result.js';
import { sleep } from '../../src/common/sleep.js';

describe('query results (pg through TypeORM)', () => {
  it('reads rows from a SELECT and from an UPDATE/DELETE ... RETURNING ([rows, count])', () => {
    expect(resultRows([{ id: 1 }, { id: 2 }])).toEqual([{ id: 1 }, { id: 2 }]);
    expect(resultRows([[{ id: 1 }], 1])).toEqual([{ id: 1 }]);
    expect(resultRows([[], 0])).toEqual([]);
    expect(resultRows([])).toEqual([]);
  });

  it('reads the affected count of an UPDATE/DELETE, and the row count otherwise', () => {
    expect(affectedRows([[], 7])).toBe(7);
    expect(affectedRows([[{ id: 1 }], 1])).toBe(1);
    expect(affectedRows([{ id: 1 }, { id: 2 }])).toBe(2);
    expect(affectedRows(undefined)).toBe(0);
  });
});

describe('likeEscape', () => {
  it('makes %, _ and \\ literal', () => {
    expect(likeEscape('50%_off\\x')).toBe('50\\%\\_off\\\\x');
    expect(likeEscape('plain')).toBe('plain');
  });
});

describe('backoffMs', () => {
  const options = { baseMs: 1_000, maxMs: 60_000, jitter: 0.5 };
  it('doubles per step up to the cap, and jitter only takes off', () => {
    expect([0, 1, 2, 3].map((n) => backoffMs(n, { ...options, random: () => 1 }))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(backoffMs(0, { ...options, random: () => 0 })).toBe(500);
    expect(backoffMs(10, { ...options, random: () => 1 })).toBe(60_000);
    expect(backoffMs(10_000, { ...options, random: () => 1 })).toBe(60_000);
    expect(backoffMs(-3, { ...options, random: () => 1 })).toBe(1_000);
  });
});

describe('sleep', () => {
  it('resolves after the delay', async () => {
    const started = Date.now();
    await sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
