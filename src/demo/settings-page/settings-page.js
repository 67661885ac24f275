/* global window, document, location, history, sessionStorage, URLSearchParams */
// Reference settings page for oauth-connections: a signed-in user lists their connections (several
// accounts per platform), connects, reconnects and disconnects provider accounts. Copy it into your
// frontend and keep the calls; the markup is yours. (Served by the service at GET /my/settings/social;
// the hosted variant, where the service's own page runs the provider flow, at /my/settings/social-hosted.)
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
const HOSTED = document.body.dataset.variant === 'hosted';
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
// connectionId (optional) reconnects that connection; scopes (optional) are asked for on top of the platform's.
async function connect(platform, { connectionId, scopes } = {}) {
  const query = new URLSearchParams();
  if (connectionId) query.set('connectionId', connectionId);
  if (scopes?.length) query.set('scopes', scopes.join(','));
  const { url } = await api('GET', `/social/${platform.id}/connect-url${query.size ? `?${query}` : ''}`);
  sessionStorage.setItem(`oc.pending.${new URL(url).searchParams.get('state')}`, platform.id);
  location.assign(url);
}

// ---- …and come back here with ?code&state&iss or ?error&state ---------------------------------
async function finishConnect(platforms) {
  const params = new URLSearchParams(location.search);
  const state = params.get('state');
  if (!state || !(params.has('code') || params.has('error'))) return;
  history.replaceState(null, '', location.pathname); // keep the code out of the address bar and history
  const id = sessionStorage.getItem(`oc.pending.${state}`);
  sessionStorage.removeItem(`oc.pending.${state}`);
  if (!id) return say('This sign-in was not started from this tab; please connect again.', true);
  const name = platforms.find((p) => p.id === id)?.displayName ?? id;
  const body = { state };
  for (const key of ['code', 'iss', 'error', 'error_description']) if (params.has(key)) body[key] = params.get(key);
  try {
    const result = await api('POST', `/social/${id}/connect`, body); // the server checks state, PKCE and iss
    say(`Connected ${name} as ${result.username ?? result.accountId ?? 'your account'}.`);
  } catch (e) {
    say(connectError(e.code, name, e.message), true);
  }
}

function connectError(code, name, message) {
  if (code === 'access_denied') return `You did not allow access to ${name}.`;
  if (code === 'account_mismatch') return `${name} signed you in as another account; sign in there as the account you are reconnecting.`;
  return `Could not connect ${name}: ${message ?? code}`;
}

// ---- Hosted variant (/my/settings/social-hosted): no redirect handling here at all ----------------
// Your backend creates a connect session (POST /connect-sessions with a service JWT:
// { userId, returnUrl, connectionId? }) and hands this page its url; the hosted page runs the
// provider flow and posts the result back to this window. Development stands in for your backend.
async function connectHosted(connectionId) {
  const popup = window.open('', 'oauth-connections', 'popup,width=480,height=720'); // open on the click, or it is blocked
  const { url } = await api('POST', '/my/dev-connect-session', connectionId ? { connectionId } : {}); // your backend
  popup.location = url;
  window.addEventListener('message', function onResult(event) {
    if (event.origin !== new URL(url).origin || event.data?.type !== 'oauth-connections:connect') return;
    window.removeEventListener('message', onResult);
    if (event.data.status === 'connected') say('Connected.');
    else say(connectError(event.data.error, 'the account', event.data.error), true);
    void run(render);
  });
}

// The hosted page sends the browser here (returnUrl) when it was not a popup: ?status=…
function hostedReturn() {
  const params = new URLSearchParams(location.search);
  if (!params.has('status')) return;
  history.replaceState(null, '', location.pathname);
  if (params.get('status') === 'connected') say('Connected.');
  else say(connectError(params.get('error'), 'the account', params.get('error')), true);
}

// ---- List the user's connections: one call, several accounts per platform ----------------------
let platformList;
const platforms = () => (platformList ??= fetch(`${API}/social/platforms`).then((res) => res.json())); // public: ids and display names

async function render() {
  const all = await platforms();
  const connections = await api('GET', '/social/connections');
  const rows = [];
  for (const p of all) {
    const mine = connections.filter((c) => c.platform === p.id);
    if (mine.length === 0) rows.push(platformRow(p));
    for (const c of mine) rows.push(connectionRow(p, c));
  }
  $('platforms').replaceChildren(...rows);
  // Connect another account of a platform already connected (an agency with three TikTok accounts).
  const more = all.filter((p) => connections.some((c) => c.platform === p.id));
  $('more').hidden = more.length === 0 || HOSTED;
  $('more-buttons').replaceChildren(...more.map((p) => button(`Connect another ${p.displayName} account`, () => connect(p))));
  if (all.length === 0) say('No platform is configured on the server.');
}

function platformRow(platform) {
  const li = document.createElement('li');
  const text = document.createElement('span');
  text.textContent = `${platform.displayName}: not connected`;
  li.append(text);
  if (!HOSTED) li.append(button('Connect', () => connect(platform)));
  return li;
}

// Never the token's expiry: that is the service's business (it renews tokens by itself).
function connectionRow(platform, c) {
  const li = document.createElement('li');
  const text = document.createElement('span');
  const name = c.username ?? c.accountId ?? 'connected';
  text.textContent =
    `${platform.displayName}: ${name}` +
    (c.label ? ` (${c.label})` : '') +
    (c.status === 'needs_reauth' ? ' (access lost: reconnect)' : '') +
    (c.missingScopes.length ? ` (missing permissions: ${c.missingScopes.join(', ')})` : '');
  li.append(text);
  if (c.status === 'needs_reauth' || c.missingScopes.length) {
    const again = () => (HOSTED ? connectHosted(c.connectionId) : connect(platform, { connectionId: c.connectionId, scopes: c.missingScopes }));
    li.append(button('Reconnect', again));
  }
  if (platform.assetKinds.length) li.append(assetList(c));
  li.append(
    button('Disconnect', async () => {
      const who = `${platform.displayName} ${c.label ?? name}`;
      if (!window.confirm(`Disconnect ${who}? Your app loses access to it.`)) return;
      await api('DELETE', `/social/connections/${c.connectionId}`); // revokes at the provider, then forgets
      say(`Disconnected ${who}.`);
      await render();
    }),
  );
  return li;
}

// ---- What the connection publishes to (Facebook Pages, Instagram accounts, organisations, channels) ----
const KINDS = { facebook_page: 'Page', instagram_account: 'Instagram', linkedin_organization: 'organisation', youtube_channel: 'channel' };

function assetList(c) {
  const box = document.createElement('div');
  box.className = 'assets';
  const list = document.createElement('ul');
  const show = ({ assets }) => {
    const active = assets.filter((a) => a.status === 'active');
    list.replaceChildren(
      ...(active.length ? active : [null]).map((a) => {
        const item = document.createElement('li');
        item.textContent = a ? `${a.name ?? a.externalId} (${KINDS[a.kind] ?? a.kind})` : 'Nothing to publish to yet';
        return item;
      }),
    );
  };
  // Lists them at the provider now: a Page created or a role granted since the connect shows up.
  const again = button('Refresh list', async () => {
    const result = await api('POST', `/social/connections/${c.connectionId}/assets/sync`);
    show(result);
    say(`Publishing targets updated: ${result.added} new, ${result.removed} gone.`);
  });
  box.append(list, again);
  run(async () => show(await api('GET', `/social/connections/${c.connectionId}/assets`)));
  return box;
}

// A button that shows it is busy (disabled, aria-busy) until its action settles.
function button(label, action) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  busyWhile(b, action);
  return b;
}

function busyWhile(b, action) {
  b.addEventListener('click', async () => {
    b.disabled = true;
    b.setAttribute('aria-busy', 'true');
    try {
      await run(action);
    } finally {
      b.disabled = false;
      b.removeAttribute('aria-busy');
    }
  });
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
  $('more').hidden = true;
  $('connect-hosted').hidden = true;
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
  if (HOSTED) {
    $('connect-hosted').hidden = false;
    hostedReturn();
  }
  if (!HOSTED) await finishConnect(await platforms());
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
busyWhile($('connect-hosted'), () => connectHosted());
run(start);
