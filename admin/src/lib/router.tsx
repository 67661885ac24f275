import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useState } from 'react';

// A tiny history router under /admin: enough for a few pages and shareable, reloadable URLs
// (the service answers index.html for any /admin/* path).

export const BASE = '/admin';
const NAVIGATE_EVENT = 'oc-admin:navigate';

export type Location = { path: string; query: URLSearchParams };

function current(): Location {
  let path = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : window.location.pathname;
  if (path === '' || path === '/index.html') path = '/';
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return { path, query: new URLSearchParams(window.location.search) };
}

/** Full URL for an app path such as `/connections?platform=x`. */
export function href(to: string): string {
  return `${BASE}${to === '/' ? '/' : to}`;
}

export function navigate(to: string, options: { replace?: boolean; state?: unknown } = {}): void {
  const url = href(to);
  if (options.replace) window.history.replaceState(options.state ?? null, '', url);
  else window.history.pushState(options.state ?? null, '', url);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

/** Replaces the query string of the current page (filters), keeping history clean. */
export function setQuery(query: Record<string, string | undefined>): void {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  const search = params.toString();
  navigate(`${current().path}${search ? `?${search}` : ''}`, { replace: true });
}

export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE_EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE_EVENT, update);
    };
  }, []);
  return location;
}

/** The history state of the current entry (used for one-shot flash messages). */
export function historyState<T>(): T | null {
  return (window.history.state as T | null) ?? null;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={href(to)} onClick={handle} {...rest} />;
}
