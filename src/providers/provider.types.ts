import type { FailureClass } from './provider.exception.js';

export type ClientAuthMethod = 'client_secret_post' | 'client_secret_basic';

/** The fields a PROVIDERS_FILE entry may set (exactly these names). */
export const PROVIDER_FIELDS = [
  'displayName',
  'authorizationUrl',
  'tokenUrl',
  'refreshUrl',
  'revocationUrl',
  'userInfoUrl',
  'introspectionUrl',
  'assetsUrl',
  'issuer',
  'scopes',
  'scopeSeparator',
  'pkce',
  'clientAuthMethod',
  'clientId',
  'clientSecret',
  'authorizationParams',
  'redirectUri',
  'accountIdField',
  'usernameField',
  'requiredScopes',
  'apiVersion',
] as const;

/**
 * Authorization request parameters the connect flow owns; `authorizationParams` may not set them
 * (compared case-insensitively, since some servers are lenient about case). state, redirect_uri,
 * code_challenge(_method) and client_id/client_key bind the response to this user, this service and
 * this PKCE verifier; response_type=code is the only flow we finish; request/request_uri (RFC 9101)
 * would carry a request object whose own values the server uses instead of ours.
 */
export const RESERVED_AUTHORIZATION_PARAMS = [
  'state',
  'redirect_uri',
  'code_challenge',
  'code_challenge_method',
  'client_id',
  'client_key',
  'response_type',
  'request',
  'request_uri',
] as const;

export function isReservedAuthorizationParam(name: string): boolean {
  return (RESERVED_AUTHORIZATION_PARAMS as readonly string[]).includes(name.toLowerCase());
}

/** A PROVIDERS_FILE entry: any of the fields above, typed as in the resolved provider. */
export type ProviderFileEntry = Partial<Pick<ProviderConfig, (typeof PROVIDER_FIELDS)[number]>>;

/** Which code handles a provider's deviations from the standard. */
export type AdapterKind = 'standard' | 'tiktok' | 'instagram' | 'google' | 'youtube' | 'x' | 'linkedin' | 'facebook' | 'pinterest' | 'threads';

/** A fully resolved, enabled provider. */
export type ProviderConfig = {
  id: string;
  adapter: AdapterKind;
  displayName: string;
  authorizationUrl: string;
  tokenUrl: string;
  refreshUrl: string;
  revocationUrl?: string;
  userInfoUrl?: string;
  /** Where the granted scopes can be read when the token response omits them (RFC 7662; Facebook's debug_token). */
  introspectionUrl?: string;
  /** Where the adapter lists the connection's assets (Pages, organisations, channels). */
  assetsUrl?: string;
  /** The asset kinds this provider's grants can reach: after resolution, only those whose scopes are all requested. */
  assetKinds: readonly AssetKindSpec[];
  issuer?: string;
  scopes: string[];
  scopeSeparator: string;
  pkce: boolean;
  clientAuthMethod: ClientAuthMethod;
  clientId: string;
  clientSecret: string;
  authorizationParams: Record<string, string>;
  redirectUri?: string;
  accountIdField: string;
  usernameField: string;
  /** Whether the provider issues a new refresh token on every refresh. */
  rotatesRefreshToken: boolean;
  /** How an access token is renewed without the user. */
  refresh: RefreshMode;
  /** How old the current access token must be before it may be renewed (Instagram: 24 h). */
  minRefreshAgeMs: number;
  /** The scopes a publishing job needs (a subset of `scopes`): what a grant lacking them cannot do. */
  requiredScopes: readonly string[];
  /** How this provider's error answers map to failure classes, before the generic OAuth rules. */
  errorMap: readonly ErrorRule[];
  /** The API version the URLs' `{apiVersion}` stands for (Facebook's Graph API version). */
  apiVersion?: string;
  /** A connect whose profile yields no account id is refused with this error (YouTube: no channel). */
  accountRequired?: AccountRequired;
  /** Meta's long-lived token grants (Instagram Login, Threads): see LongLivedToken. */
  longLivedToken?: LongLivedToken;
};

/**
 * How Instagram Login and Threads turn a 1-hour token into a 60-day one and extend it: the grant
 * types sent to `/access_token` and to `refreshUrl` on the refresh host, and the profile fields
 * asked of `userInfoUrl`.
 */
export type LongLivedToken = { exchangeGrant: string; refreshGrant: string; profileFields: string };

/**
 * One entry of a provider's error map: every field given must match the error answer, and the
 * first entry that matches decides the failure class. `error` is the OAuth `error` (RFC 6749
 * §5.2); `code` a provider's own code (Graph `error.code`, Pinterest `code`, TikTok's API
 * `error.code`); `subcode` Graph's `error_subcode`; `message` is tested against the provider's
 * description (`error_description`, `message`, `error.message`), which is never logged or stored.
 */
export type ErrorRule = {
  status?: number;
  error?: string;
  code?: number | string;
  subcode?: number;
  message?: RegExp;
  failureClass: FailureClass;
};

/** The stable error code and message a connect without an account id answers (400). */
export type AccountRequired = { error: 'no_channel'; message: string };

/**
 * `refresh_token`: the standard refresh grant; `access_token`: the still-valid access token is
 * exchanged for a new one (Instagram's ig_refresh_token), so no refresh token is needed; `none`:
 * only the user can renew (Facebook's 60-day user tokens).
 */
export type RefreshMode = 'refresh_token' | 'access_token' | 'none';

/** What a publishing job posts to, beyond the account itself. */
export const ASSET_KINDS = ['facebook_page', 'instagram_account', 'linkedin_organization', 'youtube_channel'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

/** What the user may do with an asset, from the provider's roles or tasks. */
export type AssetCapability = 'publish' | 'analytics' | 'moderate' | 'advertise' | 'manage';

/**
 * An asset kind and the scopes a grant needs to list and publish to it (they are required scopes once
 * requested); `ownToken`: its assets carry tokens derived from the user's (Facebook Pages).
 */
export type AssetKindSpec = { kind: AssetKind; scopes: readonly string[]; ownToken?: true };

/** One asset as the provider lists it; `accessToken` where it has its own (Facebook Page tokens). */
export type DiscoveredAsset = {
  kind: AssetKind;
  externalId: string;
  name: string | null;
  pictureUrl: string | null;
  capabilities: AssetCapability[];
  accessToken?: string;
  /** Seconds; absent when the token does not expire (a Page token derived from a long-lived user token). */
  accessTokenExpiresIn?: number;
};

/**
 * A provider's list of assets. `complete` is false when the listing was cut short (more pages than
 * a sync reads): what it lacks is then not known to be gone.
 */
export type AssetListing = { assets: DiscoveredAsset[]; complete: boolean };

/** What every adapter returns from a code exchange or a refresh. */
export type TokenSet = {
  accessToken: string;
  refreshToken?: string;
  /** Seconds, when the provider says. */
  expiresIn?: number;
  refreshTokenExpiresIn?: number;
  scopes?: string[];
  /** Provider-specific identifiers in the token response (TikTok open_id, Instagram user_id). */
  accountId?: string;
};

export type Profile = { accountId: string | null; username: string | null };

/** DI token of the enabled providers (`ProviderConfig[]`: built-ins with credentials, PROVIDERS_FILE entries, the demo provider), resolved at startup. */
export const PROVIDER_CONFIGS = Symbol('PROVIDER_CONFIGS');
