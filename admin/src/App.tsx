import { useCallback, useEffect, useState } from 'react';
import { type AdminSession, ApiError, api, call, setCsrfToken, UNAUTHORIZED_EVENT } from './api/client';
import { ErrorState, Loading } from './components/States';
import { Link, useLocation } from './lib/router';
import { Audit } from './pages/Audit';
import { ConnectionDetail } from './pages/ConnectionDetail';
import { Connections } from './pages/Connections';
import { Failures } from './pages/Failures';
import { Overview } from './pages/Overview';
import { SignIn } from './pages/SignIn';
import { Webhooks } from './pages/Webhooks';

type SessionState = { kind: 'checking' } | { kind: 'signed-out'; notice?: string } | { kind: 'signed-in'; email: string } | { kind: 'error'; error: ApiError };

const NAV = [
  { to: '/', label: 'Overview', match: (p: string) => p === '/' },
  { to: '/connections', label: 'Connections', match: (p: string) => p.startsWith('/connections') },
  { to: '/failures', label: 'Failures', match: (p: string) => p.startsWith('/failures') },
  { to: '/audit', label: 'Audit', match: (p: string) => p.startsWith('/audit') },
  { to: '/webhooks', label: 'Webhooks', match: (p: string) => p.startsWith('/webhooks') },
];

export function App() {
  const location = useLocation();
  const [session, setSession] = useState<SessionState>({ kind: 'checking' });

  const check = useCallback(() => {
    setSession({ kind: 'checking' });
    call(api.GET('/admin/api/session')).then(
      (s) => {
        setCsrfToken(s.csrfToken);
        setSession(s.email ? { kind: 'signed-in', email: s.email } : { kind: 'signed-out' });
      },
      (error: ApiError) => setSession(error.status === 401 || error.status === 403 ? { kind: 'signed-out' } : { kind: 'error', error }),
    );
  }, []);

  useEffect(check, [check]);
  useEffect(() => {
    const expired = () => {
      setCsrfToken(null);
      setSession((s) => (s.kind === 'signed-in' ? { kind: 'signed-out', notice: 'Your session has expired. Sign in again.' } : s));
    };
    window.addEventListener(UNAUTHORIZED_EVENT, expired);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, expired);
  }, []);

  const page = route(location);
  useEffect(() => {
    document.title = `${session.kind === 'signed-in' ? page.title : 'Sign in'} · oauth-connections admin`;
  }, [page.title, session.kind]);

  if (session.kind === 'checking') return <Loading label="Checking your session…" testId="session-loading" />;
  if (session.kind === 'error') {
    return (
      <main className="signin">
        <ErrorState error={session.error} onRetry={check} />
      </main>
    );
  }
  if (session.kind === 'signed-out') {
    return (
      <SignIn
        notice={session.notice}
        onSignedIn={(s: AdminSession) => {
          setCsrfToken(s.csrfToken);
          setSession({ kind: 'signed-in', email: s.email ?? 'admin' });
        }}
      />
    );
  }

  const signOut = async () => {
    try {
      await call(api.DELETE('/admin/api/session'));
    } catch {
      // Signed out locally either way; the cookie expires on its own.
    }
    setCsrfToken(null);
    setSession({ kind: 'signed-out', notice: 'You are signed out.' });
  };

  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span>
            oauth-connections <span className="brand-sub">admin</span>
          </span>
        </Link>
        <nav className="nav" aria-label="Main">
          {NAV.map((n) => (
            <Link
              key={n.to}
              to={n.to}
              className={n.match(location.path) ? 'active' : undefined}
              aria-current={n.match(location.path) ? 'page' : undefined}
              data-testid={`nav-${n.label.toLowerCase()}`}
            >
              {n.label}
            </Link>
          ))}
        </nav>
        <div className="who">
          <span className="who-email" data-testid="signed-in-as" title={session.email}>
            {session.email}
          </span>
          <button type="button" className="btn btn-small" onClick={signOut} data-testid="sign-out">
            Sign out
          </button>
        </div>
      </header>
      <main className="content" key={page.key}>
        {page.element}
      </main>
    </div>
  );
}

function route(location: ReturnType<typeof useLocation>) {
  const { path } = location;
  const detail = /^\/connections\/([0-9a-fA-F-]{36})$/.exec(path);
  if (path === '/') return { key: 'overview', title: 'Overview', element: <Overview /> };
  if (path === '/connections') return { key: 'connections', title: 'Connections', element: <Connections location={location} /> };
  if (detail) return { key: `detail-${detail[1]}`, title: 'Connection', element: <ConnectionDetail id={detail[1]!} /> };
  if (path === '/failures') return { key: 'failures', title: 'Refresh failures', element: <Failures location={location} /> };
  if (path === '/audit') return { key: 'audit', title: 'Audit', element: <Audit location={location} /> };
  if (path === '/webhooks') return { key: 'webhooks', title: 'Webhooks', element: <Webhooks /> };
  return {
    key: 'not-found',
    title: 'Not found',
    element: (
      <div className="state state-empty" data-testid="not-found">
        <p className="state-title">There is no page at {path}</p>
        <Link to="/">Go to the overview</Link>
      </div>
    ),
  };
}
