import { StandardAdapter } from './standard.adapter.js';

/**
 * Meta's Graph API hosts, shared by Facebook and Instagram: parameters in the query. Their error
 * shape `{ error: { type, code, error_subcode } }` is read by the shared adapter and classified by
 * the catalogue's Graph error map.
 */
export abstract class GraphAdapter extends StandardAdapter {
  protected graphGet(url: string, params: Record<string, string>, purpose: string) {
    const u = new URL(url);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return this.http.send({ method: 'GET', url: u.toString(), purpose });
  }
}
