import type { ProviderConfig, ProviderFileEntry } from './provider.types.js';

/**
 * The PROVIDERS_FILE fields that the catalogue derives from others: `requiredScopes` (the scopes a
 * publishing job needs). Kept apart from the generic entry checks of providers-config.ts.
 */
export function checkDerivedFields(id: string, e: Record<string, unknown>, problems: string[]): void {
  const where = (field: string) => `PROVIDERS_FILE: ${id}.${field}`;
  if (e.requiredScopes !== undefined && (!Array.isArray(e.requiredScopes) || !e.requiredScopes.every((s) => typeof s === 'string' && s.length > 0))) {
    problems.push(`${where('requiredScopes')} must be an array of strings`);
  }
}

/**
 * Fills in what an entry leaves to the catalogue. A file that narrows `scopes` without naming
 * `requiredScopes` requires only the catalogue's required scopes it still requests; a required
 * scope that is not requested is a problem (no grant could ever have it).
 */
export function resolveDerivedFields(id: string, entry: ProviderFileEntry, base: Pick<ProviderConfig, 'requiredScopes'>, merged: ProviderConfig, problems: string[]): void {
  if (!Array.isArray(merged.scopes) || !Array.isArray(merged.requiredScopes)) return; // reported by the shape checks
  const scopes = merged.scopes;
  if (entry.requiredScopes === undefined && entry.scopes !== undefined) merged.requiredScopes = base.requiredScopes.filter((s) => scopes.includes(s));
  const missing = merged.requiredScopes.filter((s) => !scopes.includes(s));
  if (missing.length) problems.push(`PROVIDERS_FILE: ${id}.requiredScopes has ${missing.join(', ')}, which scopes does not request`);
}
