import { readFileSync } from 'node:fs';
import { BUILT_IN_PROVIDERS, credentialEnvNames, STANDARD_DEFAULTS } from './provider-catalogue.js';
import { checkDerivedFields, resolveDerivedFields } from './provider-fields.js';
import { isReservedAuthorizationParam, PROVIDER_FIELDS, type ProviderConfig, type ProviderFileEntry, RESERVED_AUTHORIZATION_PARAMS } from './provider.types.js';

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const URL_FIELDS = ['authorizationUrl', 'tokenUrl', 'refreshUrl', 'revocationUrl', 'userInfoUrl', 'introspectionUrl', 'assetsUrl', 'redirectUri'] as const;
const STRING_FIELDS = ['displayName', 'issuer', 'scopeSeparator', 'clientId', 'clientSecret', 'accountIdField', 'usernameField', ...URL_FIELDS] as const;

type Env = Record<string, string | undefined>;

function isLoopback(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** Validates one file entry's shapes; pushes `PROVIDERS_FILE: <id>.<field> ...` problems. */
function checkEntry(id: string, entry: unknown, problems: string[]): ProviderFileEntry {
  const where = (field: string) => `PROVIDERS_FILE: ${id}.${field}`;
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
    problems.push(`PROVIDERS_FILE: ${id} must be an object of provider fields`);
    return {};
  }
  const e = entry as Record<string, unknown>;
  for (const field of Object.keys(e)) {
    if (!(PROVIDER_FIELDS as readonly string[]).includes(field)) problems.push(`${where(field)} is not a known field (allowed: ${PROVIDER_FIELDS.join(', ')})`);
  }
  for (const field of STRING_FIELDS) {
    if (e[field] !== undefined && (typeof e[field] !== 'string' || e[field] === '')) problems.push(`${where(field)} must be a non-empty string`);
  }
  if (e.scopes !== undefined && (!Array.isArray(e.scopes) || !e.scopes.every((s) => typeof s === 'string' && s.length > 0))) {
    problems.push(`${where('scopes')} must be an array of strings`);
  }
  if (e.pkce !== undefined && typeof e.pkce !== 'boolean') problems.push(`${where('pkce')} must be true or false`);
  if (e.clientAuthMethod !== undefined && !['client_secret_post', 'client_secret_basic'].includes(e.clientAuthMethod as string)) {
    problems.push(`${where('clientAuthMethod')} must be client_secret_post or client_secret_basic`);
  }
  const params = e.authorizationParams;
  if (params !== undefined && (!params || typeof params !== 'object' || Array.isArray(params) || !Object.values(params).every((v) => typeof v === 'string'))) {
    problems.push(`${where('authorizationParams')} must be an object of string values`);
  } else if (params) {
    for (const name of Object.keys(params).filter(isReservedAuthorizationParam)) {
      problems.push(
        `${where(`authorizationParams.${name}`)} is set by the connect flow and cannot be overridden (reserved: ${RESERVED_AUTHORIZATION_PARAMS.join(', ')})`,
      );
    }
  }
  checkDerivedFields(id, e, problems);
  return e as ProviderFileEntry;
}

function readFile(path: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`PROVIDERS_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return {};
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    problems.push(`PROVIDERS_FILE: ${path} must be a JSON object whose keys are platform ids`);
    return {};
  }
}

/** `env:NAME` reads a variable; anything else is a literal. */
function resolveSecretRef(id: string, field: string, value: string | undefined, env: Env, problems: string[]): string | undefined {
  if (value === undefined || !value.startsWith('env:')) return value;
  const name = value.slice(4);
  const resolved = env[name]?.trim();
  if (!resolved) problems.push(`PROVIDERS_FILE: ${id}.${field} refers to ${name}, which is not set`);
  return resolved || undefined;
}

/**
 * Built-in providers (enabled when their credentials are present) merged with PROVIDERS_FILE
 * overrides and custom providers. Every problem names the file's variable, the provider and the
 * field; loadConfig reports them with the environment's (src/startup-config.ts).
 */
export function loadProviders(env: Env, filePath: string | undefined, isProduction: boolean, problems: string[]): ProviderConfig[] {
  const file = filePath ? readFile(filePath, problems) : {};
  const ids = new Set([...Object.keys(BUILT_IN_PROVIDERS), ...Object.keys(file)]);
  const providers: ProviderConfig[] = [];
  for (const id of ids) {
    if (!ID.test(id)) {
      problems.push(`PROVIDERS_FILE: "${id}" is not a valid platform id (lowercase letters, digits, - and _)`);
      continue;
    }
    const builtIn = BUILT_IN_PROVIDERS[id];
    const entry = id in file ? checkEntry(id, file[id], problems) : {};
    const names = credentialEnvNames(id);
    const clientId = resolveSecretRef(id, 'clientId', entry.clientId, env, problems) ?? env[names.clientId]?.trim();
    const clientSecret = resolveSecretRef(id, 'clientSecret', entry.clientSecret, env, problems) ?? env[names.clientSecret]?.trim();
    if (builtIn && !(id in file) && !clientId && !clientSecret) continue; // built-in, not configured: disabled
    if (!clientId) problems.push(`PROVIDERS_FILE: ${id}.clientId is missing (or set ${names.clientId})`);
    if (!clientSecret) problems.push(`PROVIDERS_FILE: ${id}.clientSecret is missing (or set ${names.clientSecret})`);
    if (!builtIn) {
      for (const field of ['authorizationUrl', 'tokenUrl'] as const) {
        if (!entry[field]) problems.push(`PROVIDERS_FILE: ${id}.${field} is required for a custom provider`);
      }
    }
    const base = builtIn ?? { ...STANDARD_DEFAULTS, adapter: 'standard' as const, displayName: id, scopes: [] as string[] };
    const merged = {
      ...base,
      ...Object.fromEntries(Object.entries(entry).filter(([k]) => k !== 'clientId' && k !== 'clientSecret')),
      authorizationParams: { ...base.authorizationParams, ...entry.authorizationParams },
      id,
      clientId: clientId ?? '',
      clientSecret: clientSecret ?? '',
    } as ProviderConfig;
    // Built-ins with a separate refresh endpoint (Instagram) keep it; otherwise refresh follows tokenUrl.
    merged.refreshUrl = entry.refreshUrl ?? (builtIn && builtIn.refreshUrl !== builtIn.tokenUrl ? builtIn.refreshUrl : merged.tokenUrl);
    resolveDerivedFields(id, entry, base, merged, problems);
    for (const field of URL_FIELDS) {
      const value = merged[field];
      // refreshUrl copied from tokenUrl is reported once, as tokenUrl.
      if (value === undefined || (field === 'refreshUrl' && value === merged.tokenUrl)) continue;
      try {
        const url = new URL(value);
        if (field === 'authorizationUrl') {
          for (const name of [...url.searchParams.keys()].filter(isReservedAuthorizationParam))
            problems.push(`PROVIDERS_FILE: ${id}.authorizationUrl carries ${name}, which the connect flow sets itself`);
        }
        if (url.protocol !== 'https:' && (isProduction || url.protocol !== 'http:' || !isLoopback(url))) {
          problems.push(
            `PROVIDERS_FILE: ${id}.${field} must be an https URL${isProduction ? ' in production' : ' (http is allowed only on localhost in development)'}`,
          );
        }
      } catch {
        problems.push(`PROVIDERS_FILE: ${id}.${field} is not a valid URL`);
      }
    }
    providers.push(merged);
  }
  return providers;
}
