/* global window, document, location, history, sessionStorage, URLSearchParams */
// Reference settings page for oauth-connections: a signed-in user lists the platforms, connects,
// sees the status of and disconnects provider accounts. Copy it into your frontend and keep the
// calls; the markup is yours. (Served by the service at GET /my/settings/social.)
//
// SESSION. Every call except GET /social/platforms sends `Authorization: Bearer <session JWT>`,
// a JWT your app signs with SESSION_JWT_SECRET (sub = user id). Provide it before this script runs:
//   window.OAUTH_CONNECTIONS_SESSION = 'eyJ…';                       // a token, or
//   window.OAUTH_CONNECTIONS_SESSION = () => myApp.getSessionToken(); // a (possibly async) callback.
// In development only, the page served by this service has <body data-dev-session="/my/dev-session">
// and signs in as any user id through GET /my/dev-session?userId=… (absent in production).
//
// REDIRECT. This page is the OAuth redirect URI (OAUTH_REDIRECT_URI): the provider sends the user
// back with ?code&state&iss (or ?error&state), and the page posts those to
// POST /social/:platform/connect. Which platform it was is kept across the round trip in
// sessionStorage, keyed by state.

const API = ''; // base URL of oauth-connections; '' = the origin of this page
const DEV_SESSION_PATH = document.body.dataset.devSession;
const $ = (id) => document.getElementById(id);

function say(text, isError = false) {
  $('message').textContent = text;
  $('message').className = isError ? 'error' : '';
}

// ---- Session ----------------------------------------------------------------------------------
async function sessionToken() {
  const provided = window.OAUTH_CONNECTIONS_SESSION;
  if (typeof provided === 'function') return provided();
  if (typeof provided === 'string') return provided;
  return sessionStorage.getItem('oc.devSession'); // development only
}

async function devSignIn(userId) {
  const res = await fetch(`${API}${DEV_SESSION_PATH}?userId=${encodeURIComponent(userId)}`);
  if (!res.ok) throw new Error('could not get a development session');
  sessionStorage.setItem('oc.devSession', (await res.json()).token);
  sessionStorage.setItem('oc.devUser', userId);
}

// ---- API: JSON in and out; errors are { statusCode, error, message } --------------------------
async function api(method, path, body) {
  const headers = { authorization: `Bearer ${await sessionToken()}` };
  if (body) headers['content-type'] = 'application/json';
  const res = await fetch(API + path, { method, headers, body: body && JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(data.message || `HTTP ${res.status}`), { code: data.error, status: res.status });
  return data;
}

// ---- Connect: leave for the provider… ---------------------------------------------------------
async function connect(platform) {
  const { url } = await api('GET', `/social/${platform}/connect-url`);
  sessionStorage.setItem(`oc.pending.${new URL(url).searchParams.get('state')}`, platform);
  location.assign(url);
}

// ---- …and come back here with ?code&state&iss or ?error&state ---------------------------------
async function finishConnect() {
  const params = new URLSearchParams(location.search);
  const state = params.get('state');
  if (!state || !(params.has('code') || params.has('error'))) return;
  history.replaceState(null, '', location.pathname); // keep the code out of the address bar and history
  const platform = sessionStorage.getItem(`oc.pending.${state}`);
  sessionStorage.removeItem(`oc.pending.${state}`);
  if (!platform) return say('This sign-in was not started from this tab; please connect again.', true);
  const body = { state };
  for (const key of ['code', 'iss', 'error', 'error_description']) if (params.has(key)) body[key] = params.get(key);
  try {
    const result = await api('POST', `/social/${platform}/connect`, body); // the server checks state, PKCE and iss
    say(`Connected ${platform} as ${result.username ?? result.accountId ?? 'your account'}.`);
  } catch (e) {
    say(e.code === 'access_denied' ? `You did not allow access to ${platform}.` : `Could not connect ${platform}: ${e.message}`, true);
  }
}

// ---- List platforms with their status ---------------------------------------------------------
async function render() {
  const platforms = await (await fetch(`${API}/social/platforms`)).json(); // public
  const statuses = await Promise.all(platforms.map((p) => api('GET', `/social/${p.id}/status`)));
  $('platforms').replaceChildren(...platforms.map((p, i) => row(p, statuses[i])));
  if (platforms.length === 0) say('No platform is configured on the server.');
}

function row(platform, status) {
  const li = document.createElement('li');
  const text = document.createElement('span');
  text.textContent = !status.connected
    ? `${platform.displayName}: not connected`
    : `${platform.displayName}: ${status.username ?? status.accountId ?? 'connected'}` +
      (status.status === 'needs_reauth' ? ' (access lost: connect again)' : '') +
      (status.accessTokenExpiresAt ? `, token valid until ${new Date(status.accessTokenExpiresAt).toLocaleTimeString()}` : '');
  li.append(text);
  if (!status.connected || status.status === 'needs_reauth') li.append(button('Connect', () => connect(platform.id)));
  if (status.connected) {
    li.append(
      button('Disconnect', async () => {
        await api('DELETE', `/social/${platform.id}/disconnect`); // revokes at the provider, then forgets
        say(`Disconnected ${platform.displayName}.`);
        await render();
      }),
    );
  }
  return li;
}

function button(label, action) {
  const b = document.createElement('button');
  b.textContent = label;
  b.addEventListener('click', () => run(action));
  return b;
}

// ---- Start, and the development sign-in -------------------------------------------------------
async function run(action) {
  try {
    await action();
  } catch (e) {
    if (e.status === 401 && DEV_SESSION_PATH) return showDevSignIn('Your development session expired; sign in again.');
    say(e.message, true);
  }
}

function showDevSignIn(message = '') {
  sessionStorage.removeItem('oc.devSession');
  $('who').hidden = true;
  $('dev-signin').hidden = false;
  $('platforms').replaceChildren();
  say(message);
}

async function start() {
  if (!(await sessionToken())) {
    if (DEV_SESSION_PATH) return showDevSignIn();
    return say('No session: this page needs window.OAUTH_CONNECTIONS_SESSION (see the comments in social.js).', true);
  }
  $('dev-signin').hidden = true;
  $('who').hidden = !DEV_SESSION_PATH || !sessionStorage.getItem('oc.devUser');
  $('who-user').textContent = sessionStorage.getItem('oc.devUser') ?? '';
  await finishConnect();
  await render();
}

$('dev-signin').addEventListener('submit', (event) => {
  event.preventDefault();
  run(async () => {
    await devSignIn($('dev-user').value.trim());
    await start();
  });
});
$('sign-out').addEventListener('click', () => showDevSignIn());
run(start);
