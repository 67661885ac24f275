// A publishing job: gets each user's token from oauth-connections through the client package, calls
// the provider's API with it, and when the provider refuses the token, reports it and tries once more
// with the replacement. Type-checked with the repository (npm run typecheck); the client's README says
// how to install the package in your app (npm pack ./client).
//
// The demo provider has no publishing API, so its userinfo endpoint stands in for one here:
//   SERVICE_JWT_SECRET=... node publish-job.js user-1 "Hello"
import {
  createTokenClient,
  NotConnectedError,
  ProviderUnavailableError,
  ReauthRequiredError,
  type TokenResult,
  type TokenSelector,
} from '@oauth-connections/client';

const SERVICE_URL = process.env.OAUTH_CONNECTIONS_URL ?? 'http://localhost:3000';
const PLATFORM = 'demo';
const PUBLISH_URL = `${SERVICE_URL}/demo-provider/userinfo`;

const tokens = createTokenClient({
  baseUrl: SERVICE_URL,
  serviceName: 'publish-job', // shown in the service's audit log
  serviceSecret: process.env.SERVICE_JWT_SECRET ?? '',
  platforms: [PLATFORM], // this job's service JWTs can read nothing else
});

type Outcome = { status: 'published' } | { status: 'reconnect'; reason: string } | { status: 'later'; retryAt: Date | null };

/** The provider API call: 401 means the provider no longer accepts this token. */
function post(token: TokenResult, text: string): Promise<Response> {
  return fetch(PUBLISH_URL, { method: 'GET', headers: { authorization: `Bearer ${token.accessToken}`, 'x-demo-post': encodeURIComponent(text) } });
}

async function publish(userId: string, text: string): Promise<Outcome> {
  const selector: TokenSelector = { userId, platform: PLATFORM };
  try {
    let token = await tokens.getToken(selector);
    for (let attempt = 1; ; attempt++) {
      const res = await post(token, text);
      if (res.ok) return { status: 'published' };
      if (res.status !== 401 || attempt === 2) throw new Error(`the provider answered HTTP ${res.status}`);
      // Revoked, or a password change: tell the service, which refreshes it when it can.
      const error = ((await res.json().catch(() => ({}))) as { error?: string }).error;
      const replacement = await tokens.reportRejected({
        ...selector,
        connectionId: token.connectionId ?? undefined,
        accessToken: token.accessToken,
        status: res.status,
        error,
      });
      if (!replacement) return { status: 'reconnect', reason: 'the provider refused the token and the service has no other' };
      token = replacement;
    }
  } catch (error) {
    // Not a job failure: the user has to act. Send them a reconnect link (tokens.createConnectSession).
    if (error instanceof NotConnectedError || error instanceof ReauthRequiredError) return { status: 'reconnect', reason: error.code };
    // The provider is down and the token has expired: put the post back in the queue for later.
    if (error instanceof ProviderUnavailableError) return { status: 'later', retryAt: error.retryAt };
    throw error; // ServiceAuthError (configuration), ServiceUnreachableError, anything else
  }
}

const [userId = 'user-1', text = 'Hello from publish-job'] = process.argv.slice(2);
const outcome = await publish(userId, text);
console.log(JSON.stringify({ userId, ...outcome }));
