/**
 * The reference settings page (GET /my/settings/social). All behaviour is in settings-page.js,
 * served next to it as social.js: no inline script.
 */
export function settingsPageHtml(opts: { devSessionPath?: string; hosted?: boolean }): string {
  const dev = (opts.devSessionPath ? ` data-dev-session="${opts.devSessionPath}"` : '') + (opts.hosted ? ' data-variant="hosted"' : '');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Connected accounts</title>
  <link rel="icon" href="data:,">
  <style>
    body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
    li { display: flex; gap: .75rem; align-items: center; padding: .5rem 0; border-bottom: 1px solid #eee; }
    li span { flex: 1; }
    ul { list-style: none; padding: 0; }
    .error { color: #b00020; }
    button { font: inherit; padding: .25rem .9rem; cursor: pointer; min-height: 2.25rem; }
    button[aria-busy=true] { cursor: progress; opacity: .6; }
    li { flex-wrap: wrap; }
    .assets { flex-basis: 100%; padding-left: 1rem; font-size: .9rem; }
    .assets li { border: 0; padding: .1rem 0; }
  </style>
  <script type="module" src="social.js"></script>
</head>
<body${dev}>
  <h1>Connected accounts</h1>
  <!-- Development only: sign in as any user id (GET /my/dev-session). -->
  <form id="dev-signin" hidden>
    <label for="dev-user">Development sign-in, user id</label>
    <input id="dev-user" required maxlength="255" value="user-1">
    <button type="submit">Sign in</button>
  </form>
  <p id="who" hidden>Signed in as <strong id="who-user"></strong> (development session) <button id="sign-out" type="button">Switch user</button></p>
  <p id="message" role="status"></p>
  <button id="connect-hosted" type="button" hidden>Connect an account</button>
  <ul id="platforms"></ul>
  <div id="more" hidden><h2>Connect another account</h2><p id="more-buttons"></p></div>
</body>
</html>
`;
}
