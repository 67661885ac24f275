/* global window, document, location */
// The hosted connect page's script (served as /connect/hosted-connect.js; the pages have no inline
// script). Without it the pages still work: the form posts, the result redirects or links on.

const MESSAGE_TYPE = 'oauth-connections:connect';
const body = document.body;

// The platform list: remember whether we run in a popup (then the result goes to the opener), and
// show the chosen button busy while the provider loads (a second click would find the link spent).
const form = document.getElementById('choose');
if (form) {
  if (window.opener) document.getElementById('popup').value = '1';
  let busy = false;
  form.addEventListener('submit', (event) => {
    if (busy) return event.preventDefault();
    busy = true;
    const chosen = event.submitter;
    for (const button of form.querySelectorAll('button')) if (button !== chosen) button.disabled = true;
    if (chosen) {
      chosen.setAttribute('aria-busy', 'true');
      chosen.textContent = `${chosen.textContent.replace(/^Continue with /, 'Opening ')}…`;
    }
  });
}

// A result (or an unusable link of a known session): tell the opener, restricted to the app's origin.
if (body.dataset.result) {
  const result = JSON.parse(body.dataset.result);
  const origin = body.dataset.returnOrigin;
  const opener = window.opener && !window.opener.closed ? window.opener : null;
  if (opener) {
    opener.postMessage({ type: MESSAGE_TYPE, ...result }, origin);
    if (!body.dataset.stay) window.close();
  } else if (!body.dataset.stay) {
    // No opener (a redirect flow, or a provider page cut the popup off): go on to the app.
    location.replace(body.dataset.next);
  }
}
