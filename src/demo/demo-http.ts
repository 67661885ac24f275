import type { OAuthRequest } from '@ttoss/auth-core';
import type { Request, Response } from 'express';

/** What the demo services answer; the controllers apply it to Express with `sendDemo`. */
export type DemoResponse = {
  status: number;
  json?: unknown;
  html?: string;
  /** Sent as `text/javascript`. */
  script?: string;
  /** 302 to this URL. */
  redirect?: string;
  headers?: Record<string, string>;
};

const flat = (value: unknown): string | undefined => (typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined);

/** Express request -> the normalized request `createOAuthHandlers` works on (strings only). */
export function toOAuthRequest(req: Request): OAuthRequest {
  const query = Object.fromEntries(Object.entries(req.query ?? {}).map(([k, v]) => [k, flat(v)]));
  const body = req.body && typeof req.body === 'object' ? Object.fromEntries(Object.entries(req.body as Record<string, unknown>).map(([k, v]) => [k, flat(v)])) : {};
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
  return { query, body, headers };
}

export function sendDemo(res: Response, r: DemoResponse): void {
  for (const [name, value] of Object.entries(r.headers ?? {})) res.setHeader(name, value);
  if (r.redirect !== undefined) {
    res.redirect(302, r.redirect);
  } else if (r.html !== undefined) {
    res.status(r.status).type('text/html; charset=utf-8').send(r.html);
  } else if (r.script !== undefined) {
    res.status(r.status).type('text/javascript; charset=utf-8').send(r.script);
  } else if (r.json === undefined) {
    res.status(r.status).end();
  } else {
    res.status(r.status).json(r.json);
  }
}
