import type { AdapterKind, AssetKindSpec, ErrorRule, ProviderConfig } from './provider.types.js';

type BuiltIn = Omit<ProviderConfig, 'id' | 'clientId' | 'clientSecret' | 'redirectUri'> & { adapter: AdapterKind };

/** RFC 6749 defaults, shared by built-ins and custom providers from PROVIDERS_FILE. */
export const STANDARD_DEFAULTS = {
  scopeSeparator: ' ',
  pkce: true,
  clientAuthMethod: 'client_secret_post' as const,
  authorizationParams: {},
  accountIdField: 'sub',
  usernameField: 'preferred_username',
  rotatesRefreshToken: false,
  refresh: 'refresh_token' as const,
  minRefreshAgeMs: 0,
  requiredScopes: [] as readonly string[],
  assetKinds: [] as readonly AssetKindSpec[],
  errorMap: [] as readonly ErrorRule[],
};

/**
 * Meta Graph API errors (developers.facebook.com/docs/graph-api/guides/error-handling, read
 * 2026-12-03). `code` and `error_subcode` are separate fields: 190 (access token expired) and 102
 * (API session) mean the token is gone; the authentication subcodes 458 (app not installed), 459
 * (user checkpointed), 460 (password changed), 463 (expired), 464 (unconfirmed user) and 467
 * (invalid access token) come with such a code and say the same. 4, 17, 32, 341 and 613 are
 * throttling; 1 and 2 are temporary. api.instagram.com answers a bad or reused code as
 * `{ error_type: "OAuthException", code: 400 }`.
 */
const GRAPH_ERRORS: readonly ErrorRule[] = [
  ...[190, 102].map((code) => ({ code, failureClass: 'invalid_grant' as const })),
  ...[458, 459, 460, 463, 464, 467].map((subcode) => ({ subcode, failureClass: 'invalid_grant' as const })),
  ...[4, 17, 32, 341, 613].map((code) => ({ code, failureClass: 'rate_limited' as const })),
  ...[1, 2].map((code) => ({ code, failureClass: 'transient' as const })),
  { code: 101, failureClass: 'invalid_client' }, // invalid API key (app id)
  { status: 400, code: 400, failureClass: 'invalid_grant' },
];

/**
 * Google APIs answer quota and rate limits as `403 { error: { code: 403, message, errors: [{ reason:
 * "quotaExceeded" | "rateLimitExceeded" }] } }` (developers.google.com/youtube/v3/docs/errors, read
 * 2026-12-04): waiting helps, so they are rate limiting, not a refusal.
 */
const GOOGLE_API_ERRORS: readonly ErrorRule[] = [{ status: 403, code: 403, message: /quota|rate limit/i, failureClass: 'rate_limited' }];

/** Instagram Login and Threads: comma scopes, no PKCE, a long-lived token renewed by itself once 24 hours old, Graph errors. */
const META_LONG_LIVED = {
  scopeSeparator: ',',
  pkce: false,
  usernameField: 'username',
  refresh: 'access_token' as const,
  minRefreshAgeMs: 24 * 3_600_000,
  errorMap: GRAPH_ERRORS,
};

const GOOGLE = {
  authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenUrl: 'https://oauth2.googleapis.com/token',
  refreshUrl: 'https://oauth2.googleapis.com/token',
  revocationUrl: 'https://oauth2.googleapis.com/revoke',
  // Google puts iss=https://accounts.google.com on its redirect (RFC 9207), so it is required.
  issuer: 'https://accounts.google.com',
  // Offline access plus a forced consent screen is the only way Google returns a refresh token every time.
  authorizationParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
};

/**
 * Built-in providers with their documented endpoints (checked against the providers' docs,
 * 2026-12-03). Every field can be overridden per deployment through PROVIDERS_FILE.
 */
export const BUILT_IN_PROVIDERS: Record<string, BuiltIn> = {
  tiktok: {
    ...STANDARD_DEFAULTS,
    adapter: 'tiktok',
    displayName: 'TikTok',
    authorizationUrl: 'https://www.tiktok.com/v2/auth/authorize/',
    tokenUrl: 'https://open.tiktokapis.com/v2/oauth/token/',
    refreshUrl: 'https://open.tiktokapis.com/v2/oauth/token/',
    revocationUrl: 'https://open.tiktokapis.com/v2/oauth/revoke/',
    userInfoUrl: 'https://open.tiktokapis.com/v2/user/info/',
    // Login Kit's user.info.basic (open_id, display_name) and user.info.profile (the handle, username);
    // the Content Posting API's video.publish (direct post) and video.upload (to the inbox):
    // developers.tiktok.com/doc/content-posting-api-get-started (read 2026-12-03).
    scopes: ['user.info.basic', 'user.info.profile', 'video.publish', 'video.upload'],
    requiredScopes: ['video.publish', 'video.upload'],
    scopeSeparator: ',',
    pkce: false, // web Login Kit; PKCE is for the desktop/mobile kits
    // Access tokens live 2 hours, refresh tokens 180 days and rotate (the old one stops working):
    // developers.tiktok.com/docs/zh-Hans/oauth-user-access-token-management (updated 5 Nov 2026, read 2026-12-03).
    accountIdField: 'data.user.open_id',
    usernameField: 'data.user.username', // the adapter falls back to display_name without user.info.profile
    rotatesRefreshToken: true,
    // API errors are `{ error: { code, message, log_id } }` (developers.tiktok.com/doc/tiktok-api-v2-error-handling,
    // read 2026-12-03); the OAuth endpoints answer RFC 6749 codes (doc/oauth-error-handling). Scope errors come
    // with a 401 that is not about our credentials.
    errorMap: [
      { code: 'access_token_invalid', failureClass: 'invalid_grant' },
      { code: 'rate_limit_exceeded', failureClass: 'rate_limited' },
      { code: 'internal_error', failureClass: 'transient' },
      { code: 'scope_not_authorized', failureClass: 'provider_error' },
      { code: 'scope_permission_missed', failureClass: 'provider_error' },
    ],
  },
  instagram: {
    ...STANDARD_DEFAULTS,
    adapter: 'instagram',
    displayName: 'Instagram',
    authorizationUrl: 'https://www.instagram.com/oauth/authorize',
    tokenUrl: 'https://api.instagram.com/oauth/access_token',
    // Long-lived token exchange and refresh live on the Graph host.
    refreshUrl: 'https://graph.instagram.com/refresh_access_token',
    userInfoUrl: 'https://graph.instagram.com/me',
    // developers.facebook.com/documentation/instagram-platform/instagram-api-with-instagram-login (read 2026-12-03).
    scopes: ['instagram_business_basic', 'instagram_business_content_publish', 'instagram_business_manage_insights'],
    requiredScopes: ['instagram_business_content_publish', 'instagram_business_manage_insights'],
    ...META_LONG_LIVED,
    accountIdField: 'user_id',
    // No refresh token: the long-lived token itself is renewed (ig_refresh_token), once it is 24 hours old.
    longLivedToken: { exchangeGrant: 'ig_exchange_token', refreshGrant: 'ig_refresh_token', profileFields: 'user_id,username' },
  },
  threads: {
    ...STANDARD_DEFAULTS,
    adapter: 'threads',
    displayName: 'Threads',
    // The Authorization Window moved to threads.com; the API stays on graph.threads.net
    // (developers.facebook.com/documentation/threads/get-started/get-access-tokens-and-permissions,
    // updated 12 Aug 2026, and .../long-lived-tokens, read 2026-12-04).
    authorizationUrl: 'https://threads.com/oauth/authorize',
    tokenUrl: 'https://graph.threads.net/oauth/access_token',
    refreshUrl: 'https://graph.threads.net/refresh_access_token',
    userInfoUrl: 'https://graph.threads.net/v1.0/me',
    // threads_basic is required for every endpoint; publishing and insights each need their own.
    scopes: ['threads_basic', 'threads_content_publish', 'threads_manage_insights'],
    requiredScopes: ['threads_content_publish', 'threads_manage_insights'],
    ...META_LONG_LIVED,
    accountIdField: 'id',
    // As Instagram: a 1-hour token exchanged for a 60-day one (th_exchange_token), extended with
    // th_refresh_token once it is 24 hours old and not yet expired; no refresh token, no revocation endpoint.
    longLivedToken: { exchangeGrant: 'th_exchange_token', refreshGrant: 'th_refresh_token', profileFields: 'id,username' },
  },
  google: {
    ...STANDARD_DEFAULTS,
    ...GOOGLE,
    adapter: 'google',
    displayName: 'Google',
    userInfoUrl: 'https://openidconnect.googleapis.com/v1/userinfo',
    scopes: ['openid', 'email', 'profile'],
    usernameField: 'email',
  },
  youtube: {
    ...STANDARD_DEFAULTS,
    ...GOOGLE,
    adapter: 'youtube',
    displayName: 'YouTube',
    userInfoUrl: 'https://www.googleapis.com/youtube/v3/channels?part=snippet&mine=true',
    // youtube.readonly reads the channel (channels.list mine=true); videos.insert needs youtube.upload
    // (developers.google.com/youtube/v3/docs/videos/insert, read 2026-12-03); the Analytics API yt-analytics.readonly.
    scopes: [
      'https://www.googleapis.com/auth/youtube.readonly',
      'https://www.googleapis.com/auth/youtube.upload',
      'https://www.googleapis.com/auth/yt-analytics.readonly',
    ],
    requiredScopes: ['https://www.googleapis.com/auth/youtube.upload', 'https://www.googleapis.com/auth/yt-analytics.readonly'],
    accountIdField: 'items.0.id',
    usernameField: 'items.0.snippet.title',
    errorMap: GOOGLE_API_ERRORS,
    // The channel the user picked on Google's consent screen (a brand account's, or their own):
    // channels.list mine=true (developers.google.com/youtube/v3/docs/channels/list, read 2026-12-04).
    assetsUrl: 'https://www.googleapis.com/youtube/v3/channels?part=snippet&mine=true&maxResults=50',
    assetKinds: [{ kind: 'youtube_channel', scopes: ['https://www.googleapis.com/auth/youtube.readonly'] }],
    // channels.list mine=true answers no items for a Google account without a channel.
    accountRequired: {
      error: 'no_channel',
      message: 'This Google account has no YouTube channel; create one at youtube.com (or sign in with the account that owns it), then connect again',
    },
  },
  x: {
    ...STANDARD_DEFAULTS,
    adapter: 'x',
    displayName: 'X',
    authorizationUrl: 'https://x.com/i/oauth2/authorize',
    tokenUrl: 'https://api.x.com/2/oauth2/token',
    refreshUrl: 'https://api.x.com/2/oauth2/token',
    revocationUrl: 'https://api.x.com/2/oauth2/revoke',
    userInfoUrl: 'https://api.x.com/2/users/me',
    // GET /2/users/me needs tweet.read and users.read, POST /2/tweets tweet.write, media upload media.write;
    // offline.access brings the refresh token (docs.x.com/resources/fundamentals/authentication/guides/v2-authentication-mapping, read 2026-12-03).
    scopes: ['tweet.read', 'users.read', 'tweet.write', 'media.write', 'offline.access'],
    requiredScopes: ['tweet.write', 'media.write'],
    clientAuthMethod: 'client_secret_basic',
    accountIdField: 'data.id',
    usernameField: 'data.username',
    rotatesRefreshToken: true,
    // X answers a spent, revoked or expired refresh token (and a bad code) with invalid_request, not
    // invalid_grant: `400 { error: "invalid_request", error_description: "Value passed for the token
    // was invalid." }`. Its docs (docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code,
    // read 2026-12-03) give no error bodies; this one is what X sends, as recorded by several
    // open-source X clients' tests. Other invalid_request answers (a missing parameter) stay errors.
    errorMap: [
      { status: 400, error: 'invalid_request', message: /^Value passed for the (token|authorization code) was invalid/i, failureClass: 'invalid_grant' },
    ],
  },
  linkedin: {
    ...STANDARD_DEFAULTS,
    adapter: 'linkedin',
    displayName: 'LinkedIn',
    authorizationUrl: 'https://www.linkedin.com/oauth/v2/authorization',
    tokenUrl: 'https://www.linkedin.com/oauth/v2/accessToken',
    refreshUrl: 'https://www.linkedin.com/oauth/v2/accessToken',
    revocationUrl: 'https://www.linkedin.com/oauth/v2/revoke',
    userInfoUrl: 'https://api.linkedin.com/v2/userinfo',
    // w_member_social posts as the member (learn.microsoft.com/linkedin/consumer/integrations/self-serve/share-on-linkedin, read 2026-12-03).
    scopes: ['openid', 'profile', 'email', 'w_member_social'],
    requiredScopes: ['w_member_social'],
    pkce: false, // LinkedIn's web flow does not accept PKCE
    // No issuer: LinkedIn's redirect carries only code and state (no RFC 9207 iss), and a declared
    // issuer would make iss required. Its OIDC issuer (https://www.linkedin.com/oauth) names ID tokens only.
    usernameField: 'name',
    // Organisation pages the member administers (Community Management API, a product LinkedIn approves
    // separately): listed when PROVIDERS_FILE `scopes` adds r_organization_admin and w_organization_social.
    // organizationAcls roleAssignee finder and the organization lookup, versioned by the LinkedIn-Version
    // header (learn.microsoft.com/linkedin/marketing/community-management/organizations/organization-access-control-by-role,
    // view li-lms-2026-03, read 2026-12-04). PROVIDERS_FILE `apiVersion` moves it.
    apiVersion: '202603',
    assetsUrl: 'https://api.linkedin.com/rest/organizationAcls?q=roleAssignee&state=APPROVED',
    assetKinds: [{ kind: 'linkedin_organization', scopes: ['r_organization_admin', 'w_organization_social'] }],
    // A dead refresh token (365 days from the first grant, or revoked: learn.microsoft.com/linkedin/shared/
    // authentication/programmatic-refresh-tokens, read 2026-12-03) is answered `400 invalid_request` "The
    // provided authorization grant or refresh token is invalid, expired or revoked" (LinkedIn documents no
    // error bodies; as operators' runbooks record it). A missing parameter is invalid_request too: not matched.
    errorMap: [{ status: 400, error: 'invalid_request', message: /refresh token is invalid, expired or revoked/i, failureClass: 'invalid_grant' }],
  },
  facebook: {
    ...STANDARD_DEFAULTS,
    adapter: 'facebook',
    displayName: 'Facebook',
    // The Graph API version every URL names; v21.0 is served until 21 January 2027. Current on
    // 2026-12-03: v26.0, introduced 29 July 2026, available until a date not yet set
    // (developers.facebook.com/docs/graph-api/changelog/versions). PROVIDERS_FILE `apiVersion` moves it.
    apiVersion: 'v26.0',
    authorizationUrl: 'https://www.facebook.com/{apiVersion}/dialog/oauth',
    tokenUrl: 'https://graph.facebook.com/{apiVersion}/oauth/access_token',
    refreshUrl: 'https://graph.facebook.com/{apiVersion}/oauth/access_token',
    revocationUrl: 'https://graph.facebook.com/{apiVersion}/me/permissions',
    userInfoUrl: 'https://graph.facebook.com/{apiVersion}/me?fields=id,name',
    // The token response names no scopes; debug_token lists the granted ones (users can untick them).
    introspectionUrl: 'https://graph.facebook.com/{apiVersion}/debug_token',
    // Page publishing: developers.facebook.com/docs/pages-api/manage-pages (read 2026-12-03); Instagram
    // professional accounts linked to those Pages publish with the user token, which needs
    // instagram_basic and instagram_content_publish (instagram-api/reference/ig-user/media_publish, read 2026-12-04).
    scopes: ['public_profile', 'pages_show_list', 'pages_manage_posts', 'pages_read_engagement', 'instagram_basic', 'instagram_content_publish'],
    requiredScopes: ['pages_show_list', 'pages_manage_posts', 'pages_read_engagement'],
    // /me/accounts lists the Pages with their Page tokens (which never expire when derived from a
    // long-lived user token) and each Page's linked Instagram account (pages/access-tokens, read 2026-12-04).
    assetsUrl: 'https://graph.facebook.com/{apiVersion}/me/accounts',
    assetKinds: [
      { kind: 'facebook_page', scopes: ['pages_show_list', 'pages_manage_posts'], ownToken: true },
      { kind: 'instagram_account', scopes: ['pages_show_list', 'instagram_basic', 'instagram_content_publish'] },
    ],
    scopeSeparator: ',',
    pkce: false,
    accountIdField: 'id',
    usernameField: 'name',
    refresh: 'none', // long-lived user tokens last 60 days; renewal needs the user
    errorMap: GRAPH_ERRORS,
  },
  pinterest: {
    ...STANDARD_DEFAULTS,
    adapter: 'pinterest',
    displayName: 'Pinterest',
    authorizationUrl: 'https://www.pinterest.com/oauth/',
    tokenUrl: 'https://api.pinterest.com/v5/oauth/token',
    refreshUrl: 'https://api.pinterest.com/v5/oauth/token',
    userInfoUrl: 'https://api.pinterest.com/v5/user_account',
    // developers.pinterest.com/docs/getting-started/scopes/ (read 2026-12-03).
    scopes: ['user_accounts:read', 'boards:read', 'pins:read', 'pins:write'],
    requiredScopes: ['boards:read', 'pins:read', 'pins:write'],
    scopeSeparator: ',',
    pkce: false,
    clientAuthMethod: 'client_secret_basic',
    accountIdField: 'id',
    usernameField: 'username',
    rotatesRefreshToken: true,
    // Pinterest's errors are `{ code, message }` with no OAuth `error`. A dead refresh token is
    // `401 { "code": 283, "message": "The authorization grant is invalid" }` (Pinterest's own SDK,
    // github.com/pinterest/pinterest-python-sdk/issues/114, read 2026-12-03): the grant, not our credentials.
    errorMap: [{ code: 283, failureClass: 'invalid_grant' }],
  },
};

/** Environment variable names holding a built-in provider's client credentials. */
export function credentialEnvNames(id: string): { clientId: string; clientSecret: string } {
  const prefix = id.toUpperCase();
  return id === 'tiktok'
    ? { clientId: 'TIKTOK_CLIENT_KEY', clientSecret: 'TIKTOK_CLIENT_SECRET' }
    : { clientId: `${prefix}_CLIENT_ID`, clientSecret: `${prefix}_CLIENT_SECRET` };
}
