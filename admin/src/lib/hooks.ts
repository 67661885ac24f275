import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';

export type Load<T> = { data: T | undefined; error: ApiError | undefined; loading: boolean; reload: () => void };

/** Runs `fn` when `key` changes (and on reload); stale answers are dropped. */
export function useLoad<T>(fn: () => Promise<T>, key: string): Load<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    let live = true;
    setState((s) => ({ data: s.data, loading: true }));
    fnRef.current().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error: error instanceof ApiError ? error : new ApiError(0, 'client_error', String(error)), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** The current time, refreshed every `everyMs`, so relative times stay true. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(id);
  }, [everyMs]);
  return now;
}

/**
 * Cursor pagination: the cursors of the pages behind the current one are kept in a stack, so
 * "previous" works with the API's forward-only cursors. Resets when `resetKey` changes.
 */
export function useCursorStack(resetKey: string) {
  const [stack, setStack] = useState<string[]>([]);
  const [keyOfStack, setKeyOfStack] = useState(resetKey);
  if (keyOfStack !== resetKey) {
    setKeyOfStack(resetKey);
    setStack([]);
  }
  const cursor = stack.length ? stack[stack.length - 1] : undefined;
  return {
    cursor,
    page: stack.length + 1,
    next: (nextCursor: string) => setStack((s) => [...s, nextCursor]),
    previous: () => setStack((s) => s.slice(0, -1)),
  };
}

/** A value that follows `value` after `ms` without changes (for text filters). */
export function useDebounced<T>(value: T, ms = 300): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const id = window.setTimeout(() => setDebounced(value), ms);
    return () => window.clearTimeout(id);
  }, [value, ms]);
  return debounced;
}
