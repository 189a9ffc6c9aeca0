// One keep-alive connection pool to the API server for every request the operator makes (lists,
// watches, patches, events, leases). client-node 2.0.1 builds a new undici Agent for every request
// and every watch (KubeConfig.applySecurityAuthentication -> createDispatcher), so each call opens
// a new TLS connection. Upstream fixed it in kubernetes-client/javascript#2904 (commit 829f4cb8),
// which is in no release yet; drop the createDispatcher override once a release with it is in
// package.json.
//
// The fix sits exactly where client-node builds its requests: a view of the caller's KubeConfig
// whose createDispatcher returns one cached Agent per cluster and user. Everything else is
// client-node's own: headers (bearer token, the ServiceAccount token file it re-reads, exec and
// basic auth), the TLS options it maps from the kubeconfig (CA, client certificate and key,
// insecure-skip-verify, server name) and its TCP keep-alive probes. The cache key includes the
// TLS material, so rotated client certificates or CA files get a new pool and the old one closes.
// The view also reuses one run of that authentication for a few seconds (`authenticate`), as
// running it per request cost more CPU than the request.
import { createHash, type Hash } from 'node:crypto';
import type { AgentOptions } from 'node:https';
import type { Cluster, DispatcherOptions } from '@kubernetes/client-node';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { HttpMethod, RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { Agent, type Dispatcher } from 'undici';

type CreateDispatcher = (
  this: KubeConfig,
  cluster: Cluster | null,
  agentOptions: AgentOptions,
) => Dispatcher | undefined;

/** client-node's own per-request factory; used for the proxy types, whose construction is private to it. */
const original = (KubeConfig.prototype as unknown as { createDispatcher?: CreateDispatcher }).createDispatcher;

/**
 * Pool settings. HTTP/2 is used when the API server offers it (undici's default, and what
 * client-go does): one connection multiplexes watches and requests. Over HTTP/1.1 every request
 * or watch in flight holds one connection, so the pool is not capped: a watch never makes an
 * ordinary request wait, and the callers (workers, informers) bound the concurrency. Idle
 * connections close after 30 s (undici's default is 4 s), below the idle timeouts that load
 * balancers in front of API servers commonly use (60 s on AWS), so a request is rarely sent on a
 * connection the other side is just closing; client-node's TCP keep-alive probes also use 30 s.
 * An HTTP/2 connection is PINGed every 30 s and dropped when a PING goes unanswered until the
 * next one, so a watch on a connection that died silently (a NAT or load balancer forgot it) ends
 * within a minute and the informer starts a new one. client-go's health check is much the same: a
 * PING after 30 s without a frame, and the connection dropped 15 s later without an answer
 * (kubernetes/kubernetes#95981). Through an HTTP or SOCKS proxy, whose dispatchers client-node
 * builds, undici's own default applies (a PING every 60 s).
 */
const POOL_DEFAULTS: Agent.Options = {
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 30_000,
  pipelining: 1,
  connections: null,
  h2Options: { pingInterval: 30_000 },
};

export interface KubeConnectionOptions {
  /** undici Agent options over the defaults above; tests use it to force HTTP/1.1. */
  agent?: Agent.Options;
}

/**
 * How long one run of client-node's authentication (its headers and the pooled dispatcher with the
 * TLS material) serves requests. Running it per request re-read the CA and client certificate files
 * and hashed them for the pool's key: a tenth of the operator's CPU per create. Rotated
 * certificates are picked up within this time; client-node itself re-reads a token file once a
 * minute and re-runs an exec plugin when its credential expires.
 */
export const AUTH_REUSE_MS = 10_000;

export interface Authentication {
  /** Lower-case names. */
  headers: Record<string, string>;
  dispatcher: Dispatcher | undefined;
  until: number;
  context: string;
}

/**
 * The dispatchers of one pooled view, one per cluster and user and replaced when its TLS material
 * changes, and the authentication its requests reuse.
 */
class DispatcherCache {
  private readonly entries = new Map<string, { fingerprint: string; dispatcher: Dispatcher }>();
  private readonly agentOptions: Agent.Options;
  private auth: Promise<Authentication> | undefined;

  constructor(agentOptions: Agent.Options) {
    this.agentOptions = agentOptions;
  }

  get(kc: KubeConfig, cluster: Cluster | null, agentOptions: AgentOptions): Dispatcher | undefined {
    const opts = kc.createDispatcherOptions(cluster, agentOptions);
    // Plain connections without TLS options go to undici's global dispatcher, as in client-node;
    // that is already one shared keep-alive pool.
    if (opts.type === 'none') return undefined;
    const identity = JSON.stringify([cluster?.server ?? '', cluster?.name ?? '', kc.getCurrentUser()?.name ?? '']);
    const fingerprint = fingerprintOf(opts);
    const hit = this.entries.get(identity);
    if (hit?.fingerprint === fingerprint) return hit.dispatcher;
    const dispatcher = this.build(opts, kc, cluster, agentOptions);
    this.entries.set(identity, { fingerprint, dispatcher });
    // The old pool drains in the background; if closing it fails there is nothing left to do.
    if (hit) void hit.dispatcher.close().catch(() => undefined);
    return dispatcher;
  }

  /**
   * The current run of client-node's authentication, or a new one when there is none, it is older
   * than AUTH_REUSE_MS, the context changed, or it is `refused` (its credential got a 401). Requests
   * waiting on a run that fails share its error; the next request starts a new run.
   */
  async authenticate(kc: KubeConfig, url: URL, refused?: Authentication): Promise<Authentication> {
    const cached = this.auth;
    if (cached) {
      const auth = await cached;
      if (auth !== refused && Date.now() < auth.until && auth.context === kc.getCurrentContext()) return auth;
      // Another request may have started the next run meanwhile: share it.
      if (this.auth !== cached) return this.authenticate(kc, url, refused);
    }
    const run = authenticateOnce(kc, url);
    this.auth = run;
    run.catch(() => {
      if (this.auth === run) this.auth = undefined;
    });
    return run;
  }

  /** Closes the open connections once their requests finish; a later request opens a new pool. */
  async close(): Promise<void> {
    this.auth = undefined;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.dispatcher.close().catch(() => undefined)));
  }

  private build(
    opts: DispatcherOptions,
    kc: KubeConfig,
    cluster: Cluster | null,
    agentOptions: AgentOptions,
  ): Dispatcher {
    if (opts.type === 'agent') {
      const h2Options = { ...POOL_DEFAULTS.h2Options, ...this.agentOptions.h2Options };
      return new Agent({ ...POOL_DEFAULTS, ...this.agentOptions, h2Options, connect: opts.connect });
    }
    // Proxy and SOCKS dispatchers pool their connections too; client-node builds them.
    const d = original!.call(kc, cluster, agentOptions);
    if (!d) throw new Error(`client-node built no dispatcher for a ${opts.type} connection`);
    return d;
  }
}

const POOLED = Symbol('apigw.pooledKubeConfig');
type Pooled = KubeConfig & { [POOLED]: DispatcherCache };

/**
 * A view of `kc` whose requests share one connection pool. The view reads everything through to
 * `kc` (clusters, users, current context, authenticators and their token caches), so configure
 * `kc` before making the view and do not load another config into the view itself.
 */
export function kubeConnections(kc: KubeConfig, options: KubeConnectionOptions = {}): KubeConfig {
  if (typeof original !== 'function') {
    throw new Error(
      '@kubernetes/client-node no longer has KubeConfig.createDispatcher: revisit src/adapters/kubernetes/connections.ts',
    );
  }
  const cache = new DispatcherCache(options.agent ?? {});
  const view = Object.create(kc) as Pooled;
  Object.defineProperty(view, POOLED, { value: cache });
  Object.defineProperty(view, 'createDispatcher', {
    value: function createDispatcher(this: KubeConfig, cluster: Cluster | null, agentOptions: AgentOptions) {
      return cache.get(this, cluster, agentOptions);
    },
  });
  return view;
}

const defaults = new WeakMap<KubeConfig, KubeConfig>();

/**
 * What every Kubernetes adapter calls on the KubeConfig it is given: a pooled view stays as it is,
 * and a plain KubeConfig gets one shared pooled view, so adapters built on the same config share
 * connections even when the caller did not pool it.
 */
export function pooled(kc: KubeConfig): KubeConfig {
  if (isPooled(kc)) return kc;
  let view = defaults.get(kc);
  if (!view) defaults.set(kc, (view = kubeConnections(kc)));
  return view;
}

export function isPooled(kc: KubeConfig): boolean {
  return POOLED in kc;
}

async function authenticateOnce(kc: KubeConfig, url: URL): Promise<Authentication> {
  const ctx = new RequestContext(url.toString(), HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.getHeaders())) headers[k.toLowerCase()] = v;
  const dispatcher = ctx.getDispatcher() as Dispatcher | undefined;
  return { headers, dispatcher, until: Date.now() + AUTH_REUSE_MS, context: kc.getCurrentContext() };
}

/** client-node's authentication for a request on `kc`, reused across the requests of its pooled view. */
export function authenticate(kc: KubeConfig, url: URL, refused?: Authentication): Promise<Authentication> {
  return isPooled(kc) ? (kc as Pooled)[POOLED].authenticate(kc, url, refused) : authenticateOnce(kc, url);
}

/** Closes the pool of a view made by kubeConnections or pooled. */
export async function closeKubeConnections(kc: KubeConfig): Promise<void> {
  if (isPooled(kc)) await (kc as Pooled)[POOLED].close();
}

/** A digest of the TLS material and proxy settings, so a changed certificate or CA gets a new pool. */
function fingerprintOf(opts: DispatcherOptions): string {
  const h = createHash('sha256');
  feed(h, opts);
  return h.digest('base64url');
}

function feed(h: Hash, v: unknown): void {
  if (Buffer.isBuffer(v)) h.update('b').update(v);
  else if (Array.isArray(v)) {
    h.update('[');
    for (const x of v) feed(h, x);
    h.update(']');
  } else if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v).sort()) {
      h.update(`{${k}:`);
      feed(h, (v as Record<string, unknown>)[k]);
    }
  } else h.update(`${typeof v}:${String(v)};`);
}
