import type { FastifyReply } from 'fastify';

/** What the hosted pages answer; the controller applies it with `sendHosted`. */
export type HostedResponse = { status: number; html?: string; script?: string; redirect?: string; headers?: Record<string, string> };

export function sendHosted(reply: FastifyReply, r: HostedResponse): void {
  // A Fastify reply is thenable (`void` below); send() writes now and reports its errors to Fastify's error handler.
  reply.headers(r.headers ?? {});
  if (r.redirect !== undefined) void reply.redirect(r.redirect, r.status);
  else if (r.script !== undefined) void reply.code(r.status).type('text/javascript; charset=utf-8').send(r.script);
  else
    void reply
      .code(r.status)
      .type('text/html; charset=utf-8')
      .send(r.html ?? '');
}
