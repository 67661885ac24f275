import { jest } from '@jest/globals';
import { type ArgumentsHost, Logger } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { CommonException } from '../../src/common/common.exception.js';
import { HttpExceptionFilter, toErrorBody } from '../../src/common/http-exception.filter.js';

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
    const busy = [
      wrapped(pgError('canceling statement due to statement timeout', '57014')),
      wrapped(pgError('canceling statement due to lock timeout', '55P03')),
      pgError('canceling statement due to lock timeout', '55P03'),
    ];
    for (const e of busy)
      expect(toErrorBody(e)).toEqual({ body: { statusCode: 503, error: 'database_busy', message: expect.any(String) }, headers: { 'Retry-After': '1' } });
    const bugs = [wrapped(pgError('syntax error at or near "SELEC"', '42601')), wrapped(pgError('duplicate key value', '23505')), new Error('boom')];
    for (const e of bugs) expect(toErrorBody(e).body).toMatchObject({ statusCode: 500, error: 'internal_error' });
  });
});

describe('logging of 5xx answers', () => {
  // A reply double that accepts the chained calls sendError makes; what matters here is the log.
  const reply = () => {
    const r = { sent: false, raw: { headersSent: false }, code: () => r, headers: () => r, type: () => r, send: () => Promise.resolve() };
    return r;
  };
  const host = () => ({ switchToHttp: () => ({ getResponse: () => reply() }) }) as unknown as ArgumentsHost;
  const outage = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

  let warn: jest.SpiedFunction<Logger['warn']>;
  let error: jest.SpiedFunction<Logger['error']>;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('logs a database outage once per 10 s with the count it stood for, and every bug every time', () => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    const filter = new HttpExceptionFilter();
    for (let i = 0; i < 400; i++) filter.catch(outage(), host());
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/^Answering 503 database_unavailable: read ECONNRESET$/);
    now.mockReturnValue(1_010_001);
    filter.catch(outage(), host());
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]![0]).toMatch(/\(399 more answered the same in the last 10 s\)$/);

    filter.catch(new Error('boom'), host());
    filter.catch(new Error('boom'), host());
    expect(error).toHaveBeenCalledTimes(2);
    expect(error.mock.calls[0]![0]).toBe('Unhandled Error: boom');
  });

  it('leaves deliberate 503s (provider_unavailable, ...) to the service that decided them', () => {
    new HttpExceptionFilter().catch(CommonException.databaseBusy(), host());
    new HttpExceptionFilter().catch(CommonException.internalError(), host());
    expect(warn).not.toHaveBeenCalled();
    expect(error).toHaveBeenCalledTimes(1);
  });
});
