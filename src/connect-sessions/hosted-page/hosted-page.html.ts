/**
 * The hosted connect pages (GET /connect/:token and GET /connect/callback): plain HTML that works
 * without script and at phone width; hosted-connect.js (served as /connect/hosted-connect.js, no
 * inline script) adds the popup behaviour.
 */

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const SCRIPT_PATH = '/connect/hosted-connect.js';

export type HostedResult = { status: 'connected'; connectionId: string; platform: string } | { status: 'error'; error: string; platform?: string };

function layout(title: string, main: string, bodyData: Record<string, string> = {}, refreshTo?: string): string {
  const data = Object.entries(bodyData)
    .map(([k, v]) => ` data-${k}="${escape(v)}"`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">${refreshTo ? `\n  <meta http-equiv="refresh" content="0; url=${escape(refreshTo)}">` : ''}
  <title>${escape(title)}</title>
  <link rel="icon" href="data:,">
  <style>
    body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1f1f1f; background: #f6f6f6; }
    main { max-width: 26rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 8px; box-shadow: 0 1px 3px #0002; }
    @media (max-width: 30rem) { main { margin: 0; border-radius: 0; box-shadow: none; min-height: 100vh; box-sizing: border-box; } }
    h1 { font-size: 1.35rem; margin-top: 0; }
    ul { list-style: none; padding: 0; margin: 1rem 0; }
    li + li { margin-top: .6rem; }
    button, .button { display: block; width: 100%; box-sizing: border-box; min-height: 2.9rem; padding: .6rem 1rem; font: inherit; text-align: center;
      border: 1px solid #888; border-radius: 6px; background: #fff; color: #1f1f1f; cursor: pointer; text-decoration: none; }
    button:hover, .button:hover { background: #f0f0f0; }
    button:focus-visible, .button:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
    button[aria-busy=true] { cursor: progress; }
    button:disabled { opacity: .6; }
    .note { color: #555; font-size: .9rem; }
    .error { color: #b00020; }
  </style>
  <script type="module" src="${SCRIPT_PATH}"></script>
</head>
<body${data}>
  <main>
${main}
  </main>
</body>
</html>
`;
}

/** The platforms a session offers; choosing one posts the form and goes to the provider. */
export function choosePage(a: {
  action: string;
  platforms: { id: string; displayName: string }[];
  returnOrigin: string;
  reconnect?: { displayName: string; account: string | null };
}): string {
  const buttons = a.platforms
    .map((p) => `      <li><button type="submit" name="platform" value="${escape(p.id)}">Continue with ${escape(p.displayName)}</button></li>`)
    .join('\n');
  const heading = a.reconnect ? `Reconnect ${a.reconnect.displayName}` : 'Connect an account';
  const intro = a.reconnect
    ? `Sign in at ${escape(a.reconnect.displayName)}${a.reconnect.account ? ` as <strong>${escape(a.reconnect.account)}</strong>` : ''} to renew this connection.`
    : 'Choose where your account is. You sign in there, then come back.';
  return layout(
    heading,
    `    <h1>${escape(heading)}</h1>
    <p>${intro}</p>
    <form id="choose" method="post" action="${escape(a.action)}">
      <input type="hidden" id="popup" name="popup" value="0">
      <ul aria-label="Platforms">
${buttons}
      </ul>
    </form>
    <p class="note">You will return to ${escape(a.returnOrigin)}. This link works once.</p>`,
  );
}

export type LinkProblem = 'unknown' | 'expired' | 'used' | 'not_offered' | 'callback_invalid';

const PROBLEMS: Record<LinkProblem, { title: string; text: string }> = {
  unknown: { title: 'This link is not valid', text: 'The link is incomplete or was never issued. Go back to the app and start connecting again.' },
  expired: { title: 'This link has expired', text: 'Connect links work for 30 minutes. Go back to the app and start connecting again.' },
  used: { title: 'This link was already used', text: 'Each connect link works once. Go back to the app and start connecting again.' },
  not_offered: { title: 'This account type is not offered here', text: 'Go back and choose one of the accounts listed.' },
  callback_invalid: {
    title: 'This sign-in could not be finished',
    text: 'It was already finished, expired, or did not start here. Go back to the app and start connecting again.',
  },
};

/** A link that cannot be used. With the session known, a link back to the app (and the error posted to a popup's opener). */
export function problemPage(problem: LinkProblem, back?: { url: string; origin: string; result: HostedResult }): string {
  const { title, text } = PROBLEMS[problem];
  const link = back ? `\n    <p><a class="button" href="${escape(back.url)}">Back to ${escape(back.origin)}</a></p>` : '';
  const data = back ? { result: JSON.stringify(back.result), 'return-origin': back.origin, next: back.url, stay: '1' } : undefined;
  return layout(title, `    <h1 class="error">${escape(title)}</h1>\n    <p role="alert">${escape(text)}</p>${link}`, data);
}

/** After the provider: goes on to the app (redirectNow), or the script posts the result to the opener and closes. */
export function resultPage(a: { result: HostedResult; displayName: string; next: string; returnOrigin: string; redirectNow: boolean }): string {
  const ok = a.result.status === 'connected';
  const title = ok ? `${a.displayName} connected` : `Could not connect ${a.displayName}`;
  return layout(
    title,
    `    <h1${ok ? '' : ' class="error"'}>${escape(title)}</h1>
    <p role="status">${ok ? 'You can close this window.' : 'Nothing was changed. Go back to the app to try again.'}</p>
    <p><a class="button" href="${escape(a.next)}">Continue to ${escape(a.returnOrigin)}</a></p>`,
    // Redirect flow: no popup to tell, the page goes on at once (also without script).
    a.redirectNow ? { next: a.next } : { result: JSON.stringify(a.result), 'return-origin': a.returnOrigin, next: a.next },
    a.redirectNow ? a.next : undefined,
  );
}
