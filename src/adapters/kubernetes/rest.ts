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

type HttpMethodName = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export const MERGE_PATCH = 'application/merge-patch+json';

export class KubeRest {
  private readonly kc: KubeConfig;

  constructor(kc: KubeConfig) {
    this.kc = pooled(kc);
  }

  get kubeConfig(): KubeConfig {
    return this.kc;
  }

  async request<T>(method: HttpMethodName, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, opts);
    const parsed = parseJson(await res.body.text());
    if (res.statusCode >= 200 && res.statusCode < 300) return parsed as T;
    throw failure(`${method} ${path}`, res, parsed);
  }

  /**
   * A long-running GET (a watch): calls `onLine` with each line of the body as it arrives, and
   * resolves when the server ends the stream. Aborting `signal` rejects with its reason. A stream
   * that goes quiet is the caller's to end (the informer's watchdog does), as in client-go.
   */
  async streamLines(path: string, opts: { query?: Query; signal: AbortSignal }, onLine: (line: string) => void) {
    const res = await this.send('GET', path, opts);
    if (res.statusCode !== 200) throw failure(`GET ${path}`, res, parseJson(await res.body.text()));
    res.body.setEncoding('utf8');
    let partial = '';
    for await (const chunk of res.body as AsyncIterable<string>) {
      const text = partial + chunk;
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        if (nl > start) onLine(text.slice(start, nl));
        start = nl + 1;
      }
      partial = text.slice(start);
    }
  }

  private async send(method: HttpMethodName, path: string, opts: RequestOptions): Promise<Dispatcher.ResponseData> {
    const url = this.urlFor(path, opts.query);
    const auth = await authenticationOf(this.kc, url);
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = { ...auth.headers, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
    // undici's request, not fetch: no WHATWG streams or Response objects per call, which made up
    // most of the client's CPU per status write at start-up (and per watch event, with readline).
    const res = await request(url, { method, headers, body, dispatcher: auth.dispatcher, signal: opts.signal });
    // After a 401 the next request asks client-node again rather than reusing what was refused.
    if (res.statusCode === 401) auth.until = 0;
    return res;
  }

  private urlFor(path: string, query: RequestOptions['query']): URL {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('No currently active cluster');
    const url = new URL(cluster.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }
}

/**
 * How long one run of client-node's authentication (its headers and the pooled dispatcher with the
 * TLS material) serves requests. Running it per request re-read the CA and client certificate files
 * and hashed them for the pool's key: a tenth of the operator's CPU per create. Rotated
 * certificates are picked up within this time; client-node itself re-reads a token file once a
 * minute and re-runs an exec plugin when its credential expires.
 */
export const AUTH_REUSE_MS = 10_000;

interface Authentication {
  headers: Record<string, string>;
  dispatcher: Dispatcher | undefined;
  until: number;
}

const authentications = new WeakMap<KubeConfig, Promise<Authentication>>();

async function authenticationOf(kc: KubeConfig, url: URL): Promise<Authentication> {
  const cached = authentications.get(kc);
  if (cached) {
    const auth = await cached.catch(() => undefined);
    if (auth && Date.now() < auth.until) return auth;
    // A failed or stale run is replaced by whichever request gets here first.
    if (authentications.get(kc) !== cached) return authenticationOf(kc, url);
  }
  const run = (async () => {
    const ctx = new RequestContext(url.toString(), HttpMethod.GET);
    await kc.applySecurityAuthentication(ctx);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(ctx.getHeaders())) headers[k.toLowerCase()] = v;
    return { headers, dispatcher: ctx.getDispatcher() as Dispatcher | undefined, until: Date.now() + AUTH_REUSE_MS };
  })();
  authentications.set(kc, run);
  return run;
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
