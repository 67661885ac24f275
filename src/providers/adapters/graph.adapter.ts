import type { FailureClass } from '../provider.exception.js';
import { pick, StandardAdapter } from './standard.adapter.js';

// Graph API error codes meaning the user's token or grant is gone, and those meaning "slow down".
const DEAD = new Set([102, 190, 458, 459, 460, 463, 464, 467]);
const THROTTLED = new Set([4, 17, 32, 613]);

/** Meta's Graph API error shape `{ error: { type, code, message } }`, shared by Facebook and Instagram. */
export abstract class GraphAdapter extends StandardAdapter {
  protected override errorCodeOf(body: unknown): string | undefined {
    const error = pick(body, 'error');
    if (typeof error === 'string') return error.slice(0, 64);
    const code = pick(body, 'error.code') ?? pick(body, 'code');
    const type = pick(body, 'error.type') ?? pick(body, 'error_type');
    if (code === undefined && type === undefined) return undefined;
    return `${typeof type === 'string' ? type.slice(0, 40) : 'GraphError'}/${typeof code === 'number' ? code : 0}`;
  }

  protected override classOf(code: string): FailureClass {
    const [, n] = code.split('/');
    const num = Number(n);
    if (DEAD.has(num)) return 'invalid_grant';
    if (THROTTLED.has(num)) return 'rate_limited';
    if (num === 1 || num === 2) return 'transient';
    // api.instagram.com answers a bad or reused code as OAuthException with code 400.
    if (code === 'OAuthException/400') return 'invalid_grant';
    if (num === 101) return 'invalid_client';
    return super.classOf(code);
  }

  protected graphGet(url: string, params: Record<string, string>, purpose: string) {
    const u = new URL(url);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return this.http.send({ method: 'GET', url: u.toString(), purpose });
  }
}
