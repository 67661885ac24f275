import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { parseProviderJson } from './provider-json.js';
import { ProviderError } from './provider.exception.js';

export type ProviderRequest = {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string | undefined>;
  /** What the call is, for error messages ("token exchange", "refresh"). Never the URL. */
  purpose: string;
};

/** `json`: the parsed body (integers beyond 2^53 as strings of their exact digits), undefined when not JSON. */
export type ProviderResponse = { status: number; headers: IncomingHttpHeaders; text: string; json: unknown };

const USER_AGENT = 'oauth-connections/1.0 (+https://github.com/oauth-connections)';

export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  if (/^\d+$/.test(raw.trim())) return Math.min(Number(raw) * 1000, 24 * 3_600_000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.min(date - Date.now(), 24 * 3_600_000));
}

/**
 * The one HTTP client for provider calls: connect and total timeouts, a response size cap,
 * redirects never followed, and failures classified as transient/rate-limited/malformed.
 * Request URLs and bodies are never put in errors, since they may carry codes and tokens.
 */
@Injectable()
export class ProviderHttpClient {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Raw call: network failures and timeouts throw a transient ProviderError; any HTTP status resolves. */
  send(req: ProviderRequest): Promise<ProviderResponse> {
    const { timeoutMs, connectTimeoutMs, maxResponseBytes } = this.config.providerHttp;
    const url = new URL(req.url);
    const body = req.form ? new URLSearchParams(Object.entries(req.form).filter((e): e is [string, string] => e[1] !== undefined)).toString() : undefined;
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'application/json', ...req.headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const fail = (message: string) => new ProviderError('transient', `${req.purpose}: ${message}`);

    return new Promise((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const r = send(url, { method: req.method, headers });
      const total = setTimeout(() => r.destroy(fail(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
      const connect = setTimeout(() => r.destroy(fail(`could not connect within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      r.on('socket', (socket) => {
        // A reused keep-alive socket is already connected and never emits 'connect' again: adding
        // a listener there would pile up one per request (and keep each request alive).
        if (!socket.connecting) return clearTimeout(connect);
        socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connect));
      });
      r.on('error', (error) => {
        clearTimeout(total);
        clearTimeout(connect);
        reject(error instanceof ProviderError ? error : fail(`network error (${(error as NodeJS.ErrnoException).code ?? error.name})`));
      });
      r.on('response', (res) => {
        clearTimeout(connect);
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxResponseBytes) {
            r.destroy(new ProviderError('malformed', `${req.purpose}: response larger than ${maxResponseBytes} bytes`, { status: res.statusCode }));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(total);
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? parseProviderJson(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', (error) => r.destroy(error));
      });
      if (body !== undefined) r.write(body);
      r.end();
    });
  }
}
