import type { ProviderConfig, ProviderFileEntry } from './provider.types.js';

const TEMPLATED_URLS = ['authorizationUrl', 'tokenUrl', 'refreshUrl', 'revocationUrl', 'userInfoUrl', 'introspectionUrl', 'assetsUrl'] as const;
const API_VERSION = /^[A-Za-z0-9._-]{1,32}$/;

/**
 * The PROVIDERS_FILE fields that shape others: `requiredScopes` (the scopes a publishing job needs)
 * and `apiVersion` (what `{apiVersion}` in the URLs stands for). Kept apart from the generic entry
 * checks of providers-config.ts.
 */
export function checkDerivedFields(id: string, e: Record<string, unknown>, problems: string[]): void {
  const where = (field: string) => `PROVIDERS_FILE: ${id}.${field}`;
  if (e.requiredScopes !== undefined && (!Array.isArray(e.requiredScopes) || !e.requiredScopes.every((s) => typeof s === 'string' && s.length > 0))) {
    problems.push(`${where('requiredScopes')} must be an array of strings`);
  }
  if (e.apiVersion !== undefined && (typeof e.apiVersion !== 'string' || !API_VERSION.test(e.apiVersion))) {
    problems.push(`${where('apiVersion')} must be a version such as v26.0 (letters, digits, ".", "_" or "-")`);
  }
}

/**
 * Fills in what an entry leaves to the catalogue. `{apiVersion}` in a URL becomes the (possibly
 * overridden) version, so one setting moves every Graph URL. A file that narrows `scopes` without naming
 * `requiredScopes` requires only the catalogue's required scopes it still requests; a required
 * scope that is not requested is a problem (no grant could ever have it). An asset kind is reachable
 * when all its scopes are requested; its scopes are then required too.
 */
export function resolveDerivedFields(
  id: string,
  entry: ProviderFileEntry,
  base: Pick<ProviderConfig, 'requiredScopes' | 'assetKinds'>,
  merged: ProviderConfig,
  problems: string[],
): void {
  for (const field of TEMPLATED_URLS) {
    const url = merged[field];
    if (typeof url !== 'string' || !url.includes('{apiVersion}')) continue;
    if (typeof merged.apiVersion === 'string' && API_VERSION.test(merged.apiVersion)) merged[field] = url.replaceAll('{apiVersion}', merged.apiVersion);
    // refreshUrl copied from tokenUrl is reported once, as tokenUrl.
    else if (merged.apiVersion === undefined && !(field === 'refreshUrl' && url === merged.tokenUrl))
      problems.push(`PROVIDERS_FILE: ${id}.${field} names {apiVersion}, but no apiVersion is set`);
  }
  if (!Array.isArray(merged.scopes) || !Array.isArray(merged.requiredScopes)) return; // reported by the shape checks
  const scopes = merged.scopes;
  if (entry.requiredScopes === undefined && entry.scopes !== undefined) merged.requiredScopes = base.requiredScopes.filter((s) => scopes.includes(s));
  merged.assetKinds = base.assetKinds.filter((k) => k.scopes.every((s) => scopes.includes(s)));
  if (entry.requiredScopes === undefined) merged.requiredScopes = [...new Set([...merged.requiredScopes, ...merged.assetKinds.flatMap((k) => k.scopes)])];
  const missing = merged.requiredScopes.filter((s) => !scopes.includes(s));
  if (missing.length) problems.push(`PROVIDERS_FILE: ${id}.requiredScopes has ${missing.join(', ')}, which scopes does not request`);
}
