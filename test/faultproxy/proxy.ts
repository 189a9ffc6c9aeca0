// A fault-injecting HTTP proxy between the operator and the API Gateway emulator. It gives the
// emulator what it lacks and real API Gateway has: the control-plane quota (token bucket, 429
// TooManyRequestsException), 409 ConflictException on concurrent writes to one API, 5xx, added
// latency, dropped connections (request never forwarded) and lost responses (request applied,
// then the client's socket destroyed: the worst case for duplicates). Faults are drawn per request
// from a seeded generator so a run can be replayed. Every request is counted by operation and
// outcome, and writes keep their start/end times so tests can check who wrote when.
import { Agent, createServer, request as httpRequest, type IncomingMessage, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { classify, type RequestKind } from './operations.ts';
import { seededRng, type Rng } from './rng.ts';
import { integrationsByApi, type ApiInventory } from './inventory.ts';

export interface Quota {
  ratePerSec: number;
  burst: number;
}

/** API Gateway's management quota: 10 requests per second per account, burst 40. */
export const AWS_QUOTA: Quota = { ratePerSec: 10, burst: 40 };

export interface FaultMix {
  /** Probabilities per request; at most one of these faults hits a request, so they should sum to ≤ 1. */
  throttle?: number;
  conflict?: number;
  serverError?: number;
  /** Socket destroyed before anything is forwarded. */
  drop?: number;
  /** Forwarded and applied upstream, then the client's socket destroyed instead of answering. */
  lostResponse?: number;
  /** Extra delay before forwarding, with its own probability. */
  latency?: { probability: number; minMs: number; maxMs: number };
  /** Only these operations get random faults (all when absent). */
  operations?: string[];
  /** A different mix for some operations (latency is inherited unless given). */
  byOperation?: Record<string, Omit<FaultMix, 'operations' | 'byOperation'>>;
}

export type Outcome =
  | 'ok'
  | 'upstream_error'
  | 'upstream_unreachable'
  | 'lost_response'
  | 'throttled'
  | 'injected_throttle'
  | 'concurrent_conflict'
  | 'injected_conflict'
  | 'injected_5xx'
  | 'dropped';

/** Outcomes where the request reached the emulator (and, for writes with status < 300, changed it). */
export const FORWARDED: ReadonlySet<Outcome> = new Set(['ok', 'upstream_error', 'lost_response']);

export interface RequestRecord extends RequestKind {
  seq: number;
  /** Which client connection carried it (one operator process opens a few). */
  connection: number;
  method: string;
  path: string;
  outcome: Outcome;
  /** Upstream status for forwarded requests, injected status otherwise (none for drops). */
  status?: number;
  /** Epoch milliseconds with sub-millisecond precision, comparable across proxies in one process. */
  start: number;
  end: number;
}

export interface ForwardedInfo {
  record: RequestRecord;
  status: number;
  body: Buffer;
  /** True when this response is about to be lost on purpose. */
  lost: boolean;
}

export interface FaultProxyOptions {
  /** The emulator's base URL, e.g. http://127.0.0.1:5000. */
  upstream: string;
  /** Port to listen on (127.0.0.1); a free one when 0 or absent. */
  port?: number;
  seed?: number;
  /** Token bucket in front of everything; null or absent = no quota. */
  quota?: Quota | null;
  /** Answer 409 to a write on an API while another write on it is in flight (as API Gateway does). */
  conflictOnConcurrentWrites?: boolean;
  faults?: FaultMix;
  /** For reports: typically the pid of the one operator process that uses this proxy. */
  label?: string;
  /** Region whose emulator state `inventory` reads. */
  region?: string;
  /** Awaited after the emulator answered and before the answer is passed on or lost. */
  onForwarded?: (info: ForwardedInfo) => void | Promise<void>;
  /** A deterministic rule beside the random ones: lose the answer to this forwarded request. */
  lose?: (record: RequestRecord, status: number) => boolean;
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'te', 'trailer']);
const CONFLICT_MESSAGE = 'Unable to complete operation due to concurrent modification. Please try again later.';
const SERVER_ERRORS = [
  { status: 500, type: 'InternalFailure', message: 'Internal server error' },
  { status: 502, type: 'BadGateway', message: 'Bad gateway' },
  { status: 503, type: 'ServiceUnavailableException', message: 'Service unavailable' },
  { status: 504, type: 'GatewayTimeout', message: 'Endpoint request timed out' },
];

type Verdict = { kind: 'forward'; lose: boolean; delayMs: number } | { kind: 'refuse'; outcome: Outcome; status: number; type: string; body: object } | { kind: 'drop' };

export class FaultProxy {
  private opts: FaultProxyOptions;
  private rng: Rng;
  private tokens = 0;
  private refilledAt = 0;
  private seq = 0;
  private connSeq = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly connectionIds = new WeakMap<Socket, number>();
  private readonly inflightWrites = new Map<string, number>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly log: RequestRecord[] = [];
  private port = 0;
  label: string;

  constructor(opts: FaultProxyOptions) {
    this.opts = opts;
    this.label = opts.label ?? 'proxy';
    this.rng = seededRng(opts.seed ?? 1);
    this.resetBucket();
    this.server = createServer({ keepAlive: true }, (req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      this.connectionIds.set(s, ++this.connSeq);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(opts: FaultProxyOptions): Promise<FaultProxy> {
    const p = new FaultProxy(opts);
    await p.listen();
    return p;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Changes faults, quota or hook while running; a new quota starts with a full bucket. */
  configure(change: Partial<Omit<FaultProxyOptions, 'upstream' | 'port'>>): void {
    this.opts = { ...this.opts, ...change };
    if ('seed' in change) this.rng = seededRng(change.seed ?? 1);
    if ('quota' in change) this.resetBucket();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
    this.agent.destroy();
  }

  // ---- statistics ----

  records(): RequestRecord[] {
    return [...this.log];
  }

  /** Writes that reached the emulator and were applied (2xx), lost responses included. */
  appliedWrites(): RequestRecord[] {
    return this.log.filter((r) => r.write && FORWARDED.has(r.outcome) && r.status !== undefined && r.status < 300);
  }

  count(filter: { operation?: string; outcome?: Outcome | Outcome[]; write?: boolean } = {}): number {
    const outcomes = filter.outcome === undefined ? undefined : new Set(Array.isArray(filter.outcome) ? filter.outcome : [filter.outcome]);
    return this.log.filter(
      (r) => (filter.operation === undefined || r.operation === filter.operation) && (outcomes === undefined || outcomes.has(r.outcome)) && (filter.write === undefined || r.write === filter.write),
    ).length;
  }

  /** operation → outcome → count. */
  counts(): Record<string, Partial<Record<Outcome, number>>> {
    const out: Record<string, Partial<Record<Outcome, number>>> = {};
    for (const r of this.log) {
      const byOutcome = (out[r.operation] ??= {});
      byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + 1;
    }
    return out;
  }

  /** connection id → number of requests it carried. */
  byConnection(): Map<number, number> {
    const m = new Map<number, number>();
    for (const r of this.log) m.set(r.connection, (m.get(r.connection) ?? 0) + 1);
    return m;
  }

  resetStats(): void {
    this.log.length = 0;
  }

  /** A plain-text table of counts, for test failure messages and bench output. */
  summary(): string {
    const rows = Object.entries(this.counts()).map(([op, o]) => `${op.padEnd(18)} ${Object.entries(o).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    return [`proxy ${this.label}: ${this.log.length} requests`, ...rows].join('\n');
  }

  /** What the emulator holds right now, asked directly (not through the proxy). */
  inventory(apiIds?: string[]): Promise<ApiInventory> {
    return integrationsByApi({ endpoint: this.opts.upstream, region: this.opts.region ?? 'us-east-1' }, apiIds);
  }

  // ---- request handling ----

  private resetBucket(): void {
    this.tokens = this.opts.quota?.burst ?? 0;
    this.refilledAt = performance.now();
  }

  private takeToken(): boolean {
    const q = this.opts.quota;
    if (!q) return true;
    const t = performance.now();
    this.tokens = Math.min(q.burst, this.tokens + ((t - this.refilledAt) / 1000) * q.ratePerSec);
    this.refilledAt = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Draws the same four numbers for every request, so one seed always yields one schedule. */
  private verdict(kind: RequestKind): Verdict {
    const [uFault, uLatency, uDelay, uCode] = [this.rng(), this.rng(), this.rng(), this.rng()];
    if (!this.takeToken()) return { kind: 'refuse', outcome: 'throttled', status: 429, type: 'TooManyRequestsException', body: { message: 'Too Many Requests', limitType: 'RequestRate' } };
    const base = this.opts.faults ?? {};
    const f: FaultMix = base.byOperation?.[kind.operation] ?? base;
    const eligible = !base.operations || base.operations.includes(kind.operation);
    const lat = f.latency ?? base.latency;
    const delayMs = lat && uLatency < lat.probability ? lat.minMs + Math.floor(uDelay * (lat.maxMs - lat.minMs + 1)) : 0;
    if (!eligible) return { kind: 'forward', lose: false, delayMs };
    let edge = 0;
    const hit = (p: number | undefined) => uFault < (edge += p ?? 0);
    if (hit(f.throttle)) return { kind: 'refuse', outcome: 'injected_throttle', status: 429, type: 'TooManyRequestsException', body: { message: 'Too Many Requests', limitType: 'RequestRate' } };
    if (hit(f.conflict)) return { kind: 'refuse', outcome: 'injected_conflict', status: 409, type: 'ConflictException', body: { message: CONFLICT_MESSAGE } };
    if (hit(f.serverError)) {
      const e = SERVER_ERRORS[Math.floor(uCode * SERVER_ERRORS.length)]!;
      return { kind: 'refuse', outcome: 'injected_5xx', status: e.status, type: e.type, body: { message: e.message } };
    }
    if (hit(f.drop)) return { kind: 'drop' };
    return { kind: 'forward', lose: hit(f.lostResponse), delayMs };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const kind = classify(req.method ?? 'GET', req.url ?? '/');
    const rec: RequestRecord = {
      ...kind,
      seq: ++this.seq,
      connection: this.connectionIds.get(req.socket) ?? 0,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      outcome: 'ok',
      start: now(),
      end: 0,
    };
    this.log.push(rec);
    const v = this.verdict(kind);
    const finish = (outcome: Outcome, status?: number) => {
      rec.outcome = outcome;
      rec.status = status;
      rec.end = now();
    };
    if (v.kind === 'drop') {
      finish('dropped');
      req.socket.destroy();
      return;
    }
    if (v.kind === 'refuse') {
      finish(v.outcome, v.status);
      return sendError(res, v.status, v.type, v.body);
    }
    const body = await readBody(req).catch(() => undefined);
    if (body === undefined) return finish('dropped');
    const apiKey = kind.write && kind.apiId ? kind.apiId : undefined;
    if (apiKey && this.opts.conflictOnConcurrentWrites && (this.inflightWrites.get(apiKey) ?? 0) > 0) {
      finish('concurrent_conflict', 409);
      return sendError(res, 409, 'ConflictException', { message: CONFLICT_MESSAGE });
    }
    if (apiKey) this.inflightWrites.set(apiKey, (this.inflightWrites.get(apiKey) ?? 0) + 1);
    try {
      if (v.delayMs > 0) await sleep(v.delayMs);
      const up = await this.forward(req, body).catch(() => undefined);
      if (!up) {
        finish('upstream_unreachable', 502);
        return sendError(res, 502, 'BadGateway', { message: 'emulator unreachable' });
      }
      const lose = v.lose || (this.opts.lose?.(rec, up.status) ?? false);
      finish(lose ? 'lost_response' : up.status < 400 ? 'ok' : 'upstream_error', up.status);
      try {
        await this.opts.onForwarded?.({ record: rec, status: up.status, body: up.body, lost: lose });
      } catch (err) {
        // A failing hook is the test's problem to report; the proxy still answers (or loses) as decided.
        process.stderr.write(`fault proxy ${this.label}: onForwarded hook failed: ${err instanceof Error ? err.message : String(err)}\n`);
      }
      if (lose) {
        req.socket.destroy();
        return;
      }
      res.writeHead(up.status, { ...up.headers, 'content-length': String(up.body.length) });
      res.end(up.body);
    } finally {
      if (apiKey) {
        const n = (this.inflightWrites.get(apiKey) ?? 1) - 1;
        if (n <= 0) this.inflightWrites.delete(apiKey);
        else this.inflightWrites.set(apiKey, n);
      }
    }
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    const target = new URL(this.opts.upstream);
    const headers: IncomingHttpHeaders = { ...req.headers, host: target.host, 'content-length': String(body.length) };
    for (const h of HOP_BY_HOP) delete headers[h];
    return new Promise((resolve, reject) => {
      const up = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: this.agent, timeout: 60_000 },
        (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('error', reject);
          r.on('end', () => {
            const out: Record<string, string | string[]> = {};
            for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && !HOP_BY_HOP.has(k) && k !== 'content-length') out[k] = v;
            resolve({ status: r.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
          });
        },
      );
      up.on('timeout', () => up.destroy(new Error('upstream timeout')));
      up.on('error', reject);
      up.end(body);
    });
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('client aborted')));
  });
}

function sendError(res: ServerResponse, status: number, type: string, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': type,
    'x-amzn-requestid': randomUUID(),
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}
