/** The demo provider's sign-in and consent page: plain HTML, no script. */

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const SCOPE_TEXT: Record<string, string> = {
  profile: 'See your demo account name',
  offline_access: 'Stay connected when you are away (refresh tokens)',
};

export type ConsentPageArgs = {
  clientName: string;
  scopes: string[];
  /** The authorization request, posted back unchanged with the user's decision. */
  params: Record<string, string>;
  account?: string;
  error?: string;
};

export function consentPage(a: ConsentPageArgs): string {
  const hidden = Object.entries(a.params)
    .map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`)
    .join('\n      ');
  const scopes = a.scopes.map((s) => `<li>${escape(SCOPE_TEXT[s] ?? s)}</li>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Demo provider: sign in</title>
  <link rel="icon" href="data:,">
  <style>
    body { font: 16px/1.5 system-ui, sans-serif; max-width: 26rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
    .card { border: 1px solid #ddd; border-radius: 8px; padding: 1.5rem; }
    .note { color: #666; font-size: .9rem; }
    .error { color: #b00020; }
    input[type=text] { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; }
    button { padding: .5rem 1.2rem; font: inherit; margin-right: .5rem; cursor: pointer; }
  </style>
</head>
<body>
  <div class="card">
    <h1>Demo provider</h1>
    <p><strong>${escape(a.clientName)}</strong> wants to:</p>
    <ul>${scopes}</ul>
    <form method="post" action="authorize">
      ${hidden}
      <label for="account">Demo account name</label>
      <input id="account" name="account" type="text" required maxlength="64" autocomplete="username" autofocus value="${escape(a.account ?? '')}">
      ${a.error ? `<p class="error">${escape(a.error)}</p>` : ''}
      <p class="note">This is the development demo provider: any name signs you in, there is no password.</p>
      <button type="submit" name="decision" value="allow">Allow</button>
      <button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
    </form>
  </div>
</body>
</html>
`;
}
