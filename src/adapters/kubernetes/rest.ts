// JSON requests to the API server with client-node's KubeConfig doing what it is good at: the
// server URL, authentication headers (tokens, token files, exec plugins) and TLS options, through
// the pooled dispatcher of connections.ts. The adapters use this instead of client-node's
// generated API classes, whose modules load every generated model (see lean-load.ts). Failures
// are client-node's own ApiException (`code` = HTTP status, `body` = the parsed Status), so
// errors.ts reads them the same way.
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import { STATUS_CODES } from 'node:http';
import { request, type Dispatcher } from 'undici';
import { authenticate, pooled, type Authentication } from './connections.ts';

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
   * A long-running GET (a watch): calls `onLine` with each non-blank line of the body as it
   * arrives, and resolves when the server ends the stream. Aborting `signal` rejects with its
   * reason. A stream that goes quiet is the caller's to end (the informer's watchdog does).
   */
  async streamLines(path: string, opts: { query?: Query; signal: AbortSignal }, onLine: (line: string) => void) {
    const res = await this.send('GET', path, opts);
    if (res.statusCode !== 200) throw failure(`GET ${path}`, res, parseJson(await res.body.text()));
    res.body.setEncoding('utf8');
    let partial = '';
    const deliver = (line: string) => {
      if (line.trim() !== '') onLine(line);
    };
    for await (const chunk of res.body as AsyncIterable<string>) {
      const text = partial + chunk;
      let start = 0;
      // The carried-over part has no newline: look only in what arrived (an object can span chunks).
      for (let nl = text.indexOf('\n', partial.length); nl >= 0; nl = text.indexOf('\n', start)) {
        deliver(text.slice(start, nl));
        start = nl + 1;
      }
      partial = text.slice(start);
    }
    deliver(partial);
  }

  private async send(method: HttpMethodName, path: string, opts: RequestOptions): Promise<Dispatcher.ResponseData> {
    const url = this.urlFor(path, opts.query);
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const attempt = async (auth: Authentication) => {
      const headers: Record<string, string> = { ...auth.headers, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
      // undici's request, not fetch: no WHATWG streams or Response objects per call, which made up
      // most of the client's CPU per status write at start-up (and per watch event, with readline).
      return request(url, { method, headers, body, dispatcher: auth.dispatcher, signal: opts.signal });
    };
    const auth = await authenticate(this.kc, url);
    const res = await attempt(auth);
    if (res.statusCode !== 401) return res;
    // A reused credential may have expired since it was fetched (an exec plugin's token). Nothing
    // was done with a 401, so ask client-node again and send once more.
    await res.body.dump();
    return attempt(await authenticate(this.kc, url, auth));
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
