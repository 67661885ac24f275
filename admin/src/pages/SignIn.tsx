import { type FormEvent, useState } from 'react';
import { type AdminSession, ApiError, api, call } from '../api/client';

export function SignIn({ onSignedIn, notice }: { onSignedIn: (session: AdminSession) => void; notice?: string | null }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await call(api.POST('/admin/api/session', { body: { email, password } }));
      onSignedIn(session);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, 'client_error', String(e));
      setError(
        err.status === 401
          ? 'Wrong email or password.'
          : err.status === 429
            ? `Too many attempts. ${err.message}.`
            : err.status === 400
              ? err.message
              : `Sign-in failed: ${err.message}`,
      );
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={submit} data-testid="signin-form" aria-labelledby="signin-title">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          oauth-connections
        </div>
        <h1 id="signin-title">Admin sign-in</h1>
        {notice ? (
          <p className="notice" data-testid="signin-notice">
            {notice}
          </p>
        ) : null}
        <label className="field">
          <span>Email</span>
          <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="signin-email" autoFocus />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="signin-password"
          />
        </label>
        {error ? (
          <p className="form-error" role="alert" data-testid="signin-error">
            {error}
          </p>
        ) : null}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy} data-testid="signin-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">
          First run in development? The service printed a password for <code>admin@localhost</code>. Add admins with <code>npm run admin:create</code>.
        </p>
      </form>
    </main>
  );
}
