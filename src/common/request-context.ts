import { AsyncLocalStorage } from 'node:async_hooks';

/** Per-request values (the request id) that every log line picks up. */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();
