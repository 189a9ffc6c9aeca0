// JSON requests to the API server with client-node's KubeConfig doing what it is good at: the
// server URL, authentication headers (tokens, token files, exec plugins) and TLS options, through
// the pooled dispatcher of connections.ts. The adapters use this instead of client-node's
// generated API classes, whose modules load every generated model (see lean-load.ts). Failures
// are client-node's own ApiException (`code` = HTTP status, `body` = the parsed Status), so
// errors.ts reads them the same way.
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import { HttpMethod, RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { STATUS_CODES } from 'node:http';
import { request, type Dispatcher } from 'undici';
import { pooled } from './connections.ts';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Of the body; JSON by default. */
  contentType?: string;
  signal?: AbortSignal;
}

export const MERGE_PATCH = 'application/merge-patch+json';

export class KubeRest {
  private readonly kc: KubeConfig;

  constructor(kc: KubeConfig) {
    this.kc = pooled(kc);
  }

  get kubeConfig(): KubeConfig {
    return this.kc;
  }

  async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    opts: RequestOptions = {},
  ): Promise<T> {
    const url = this.urlFor(path, opts.query);
    const ctx = new RequestContext(url.toString(), HttpMethod[method]);
    ctx.setHeaderParam('Accept', 'application/json');
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (body !== undefined) ctx.setHeaderParam('Content-Type', opts.contentType ?? 'application/json');
    await this.kc.applySecurityAuthentication(ctx);
    // undici's request, not fetch: no WHATWG streams or Response objects per call, which made up
    // most of the client's CPU per status write at start-up.
    const res = await request(url, {
      method,
      headers: ctx.getHeaders(),
      body,
      dispatcher: ctx.getDispatcher() as Dispatcher | undefined,
      signal: opts.signal,
    });
    const text = await res.body.text();
    const parsed = parseJson(text);
    if (res.statusCode >= 200 && res.statusCode < 300) return parsed as T;
    throw failure(`${method} ${url.pathname}`, res, parsed);
  }

  private urlFor(path: string, query: RequestOptions['query']): URL {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('No currently active cluster');
    const url = new URL(cluster.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }
}

/** The client library's own error type, so callers read `code` and `body` as they would from its APIs. */
function failure(request: string, res: Dispatcher.ResponseData, parsed: unknown): ApiException<unknown> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = String(v);
  return new ApiException(
    res.statusCode,
    `${request}: ${(parsed as { message?: string })?.message ?? STATUS_CODES[res.statusCode] ?? ''}`,
    parsed,
    headers,
  );
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
