import type { OAuthRequest } from '@ttoss/auth-core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What the demo services answer; the controllers apply it to the reply with `sendDemo`. */
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

const flat = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;

/** Fastify request -> the normalized request `createOAuthHandlers` works on (strings only). */
export function toOAuthRequest(req: FastifyRequest): OAuthRequest {
  const query = Object.fromEntries(Object.entries((req.query as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [k, flat(v)]));
  const body =
    req.body && typeof req.body === 'object' ? Object.fromEntries(Object.entries(req.body as Record<string, unknown>).map(([k, v]) => [k, flat(v)])) : {};
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
  return { query, body, headers };
}

export function sendDemo(reply: FastifyReply, r: DemoResponse): void {
  // A Fastify reply is thenable (`void` below); send() writes now and reports its errors to Fastify's error handler.
  reply.headers(r.headers ?? {});
  if (r.redirect !== undefined) {
    void reply.redirect(r.redirect, 302);
  } else if (r.html !== undefined) {
    void reply.code(r.status).type('text/html; charset=utf-8').send(r.html);
  } else if (r.script !== undefined) {
    void reply.code(r.status).type('text/javascript; charset=utf-8').send(r.script);
  } else if (r.json === undefined) {
    void reply.code(r.status).send();
  } else {
    void reply.code(r.status).type('application/json; charset=utf-8').send(r.json);
  }
}
