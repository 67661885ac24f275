import { QueryFailedError } from 'typeorm';
import { toErrorBody } from '../../src/common/http-exception.filter.js';

// How a database error is answered (src/common/http-exception.filter.ts); the outage itself, through a
// proxy that cuts the connections, is test/integration/faults.spec.ts.
describe('database errors as API errors', () => {
  it('answers 503 database_unavailable for connectivity errors, database_busy for timeouts, never for a failing query', () => {
    const pgError = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});
    const wrapped = (e: Error) => new QueryFailedError('SELECT 1', [], e);
    const unavailable = [
      pgError('Connection terminated unexpectedly'),
      pgError('read ECONNRESET', 'ECONNRESET'),
      pgError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      pgError('timeout exceeded when trying to connect'),
      wrapped(pgError('terminating connection due to administrator command', '57P01')),
      wrapped(pgError('Connection terminated unexpectedly')),
    ];
    for (const e of unavailable) expect(toErrorBody(e).body).toMatchObject({ statusCode: 503, error: 'database_unavailable' });
    const busy = [wrapped(pgError('canceling statement due to statement timeout', '57014')), wrapped(pgError('canceling statement due to lock timeout', '55P03')), pgError('canceling statement due to lock timeout', '55P03')];
    for (const e of busy) expect(toErrorBody(e)).toEqual({ body: { statusCode: 503, error: 'database_busy', message: expect.any(String) }, headers: { 'Retry-After': '1' } });
    const bugs = [wrapped(pgError('syntax error at or near "SELEC"', '42601')), wrapped(pgError('duplicate key value', '23505')), new Error('boom')];
    for (const e of bugs) expect(toErrorBody(e).body).toMatchObject({ statusCode: 500, error: 'internal_error' });
  });
});
