// A fault-injecting HTTP proxy between the operator and the API Gateway emulator. It gives the
// emulator what it lacks and real API Gateway has: the control-plane quota (token bucket, 429
// TooManyRequestsException), 409 ConflictException on concurrent writes to one API, 5xx, added
// latency, dropped connections (request never forwarded) and lost responses (request applied,
// then the client's socket destroyed: the worst case for duplicates), and creates that complete
// only after the client gave up and listed again. Random faults are drawn per request
// from a seeded generator so a run can be replayed. Every request is counted by operation and
// outcome, and writes keep their start/end times so tests can check who wrote when.
// With `fidelity` it also answers the way API Gateway does where the emulator does not (routed
// integrations cannot be deleted, the per-API quota, UpdateIntegration's merge, 404s, defaults):
// the rules and their sources are in fidelity.ts.
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { classify, type RequestKind } from './operations.ts';
import { seededRng, type Rng } from './rng.ts';
import { integrationsByApi, type ApiInventory } from './inventory.ts';
import {
  Fidelity,
  parseObject,
  type Exchange,
  type FidelityOptions,
  type FidelityOutcome,
  type Upstream,
  type UpstreamReply,
} from './fidelity.ts';
import { HeldCreates } from './late-create.ts';

export type { FidelityOptions } from './fidelity.ts';

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
  | 'dropped'
  /** A fidelity rule answered instead of the emulator (the request was not applied). */
  | FidelityOutcome
  /** Held unanswered, then forwarded after the client's listing; its answer was thrown away. */
  | 'late_create';

/** Outcomes where the request reached the emulator (and, for writes with status < 300, changed it). */
export const FORWARDED: ReadonlySet<Outcome> = new Set(['ok', 'upstream_error', 'lost_response', 'late_create']);

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
  /**
   * Picks CreateIntegration requests to complete late: never answered (the client's own timeout
   * fires), forwarded only after the next GetIntegrations on their API has been answered, or after
   * `lateCreateMaxDelayMs`, so the client's re-listing cannot see them.
   */
  lateCreate?: (record: RequestRecord, body: Record<string, unknown>) => boolean;
  /** Longest hold of a late create when no listing comes; default 30 s. */
  lateCreateMaxDelayMs?: number;
  /** Answer like API Gateway where the emulator does not (true = default options). */
  fidelity?: boolean | FidelityOptions;
  /** Called once a request's outcome is known (for logs). */
  onRecord?: (record: RequestRecord) => void;
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
]);
const LATE_CREATE_MAX_DELAY_MS = 30_000;
const CONFLICT_MESSAGE = 'Unable to complete operation due to concurrent modification. Please try again later.';
const SERVER_ERRORS = [
  { status: 500, type: 'InternalFailure', message: 'Internal server error' },
  { status: 502, type: 'BadGateway', message: 'Bad gateway' },
  { status: 503, type: 'ServiceUnavailableException', message: 'Service unavailable' },
  { status: 504, type: 'GatewayTimeout', message: 'Endpoint request timed out' },
];

function fidelityOf(option: FaultProxyOptions['fidelity']): Fidelity | undefined {
  if (!option) return undefined;
  return new Fidelity(option === true ? {} : option);
}

type Verdict =
  | { kind: 'forward'; lose: boolean; delayMs: number }
  | { kind: 'refuse'; outcome: Outcome; status: number; type: string; body: object }
  | { kind: 'drop' };

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
  private fidelity: Fidelity | undefined;
  private readonly held = new HeldCreates();
  private port = 0;
  label: string;

  constructor(opts: FaultProxyOptions) {
    this.opts = opts;
    this.label = opts.label ?? 'proxy';
    this.rng = seededRng(opts.seed ?? 1);
    this.fidelity = fidelityOf(opts.fidelity);
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
    if ('fidelity' in change) this.fidelity = fidelityOf(change.fidelity);
  }

  async close(): Promise<void> {
    this.held.close();
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
    const outcomes =
      filter.outcome === undefined
        ? undefined
        : new Set(Array.isArray(filter.outcome) ? filter.outcome : [filter.outcome]);
    return this.log.filter(
      (r) =>
        (filter.operation === undefined || r.operation === filter.operation) &&
        (outcomes === undefined || outcomes.has(r.outcome)) &&
        (filter.write === undefined || r.write === filter.write),
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
    const rows = Object.entries(this.counts()).map(
      ([op, o]) =>
        `${op.padEnd(18)} ${Object.entries(o)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
    );
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
    if (!this.takeToken())
      return {
        kind: 'refuse',
        outcome: 'throttled',
        status: 429,
        type: 'TooManyRequestsException',
        body: { message: 'Too Many Requests', limitType: 'RequestRate' },
      };
    const base = this.opts.faults ?? {};
    const f: FaultMix = base.byOperation?.[kind.operation] ?? base;
    const eligible = !base.operations || base.operations.includes(kind.operation);
    const lat = f.latency ?? base.latency;
    const delayMs =
      lat && uLatency < lat.probability ? lat.minMs + Math.floor(uDelay * (lat.maxMs - lat.minMs + 1)) : 0;
    if (!eligible) return { kind: 'forward', lose: false, delayMs };
    let edge = 0;
    const hit = (p: number | undefined) => uFault < (edge += p ?? 0);
    if (hit(f.throttle))
      return {
        kind: 'refuse',
        outcome: 'injected_throttle',
        status: 429,
        type: 'TooManyRequestsException',
        body: { message: 'Too Many Requests', limitType: 'RequestRate' },
      };
    if (hit(f.conflict))
      return {
        kind: 'refuse',
        outcome: 'injected_conflict',
        status: 409,
        type: 'ConflictException',
        body: { message: CONFLICT_MESSAGE },
      };
    if (hit(f.serverError)) {
      const e = SERVER_ERRORS[Math.floor(uCode * SERVER_ERRORS.length)]!;
      return { kind: 'refuse', outcome: 'injected_5xx', status: e.status, type: e.type, body: { message: e.message } };
    }
    if (hit(f.drop)) return { kind: 'drop' };
    return { kind: 'forward', lose: hit(f.lostResponse), delayMs };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const kind = classify(req.method ?? 'GET', req.url ?? '/');
    const rec = this.record(req, kind);
    const v = this.verdict(kind);
    if (v.kind === 'drop') {
      this.finish(rec, 'dropped');
      req.socket.destroy();
      return;
    }
    if (v.kind === 'refuse') {
      this.finish(rec, v.outcome, v.status);
      return sendError(res, v.status, v.type, v.body);
    }
    const body = await readBody(req).catch(() => undefined);
    if (body === undefined) return this.finish(rec, 'dropped');
    if (this.wantsLateCreate(rec, body)) return this.completeLate(req, rec, body);
    const apiKey = kind.write && kind.apiId ? kind.apiId : undefined;
    if (apiKey && this.opts.conflictOnConcurrentWrites && (this.inflightWrites.get(apiKey) ?? 0) > 0) {
      this.finish(rec, 'concurrent_conflict', 409);
      return sendError(res, 409, 'ConflictException', { message: CONFLICT_MESSAGE });
    }
    await this.whileWriting(apiKey, async () => {
      if (v.delayMs > 0) await sleep(v.delayMs);
      await this.answer(req, res, rec, body, v.lose);
    });
  }

  private record(req: IncomingMessage, kind: RequestKind): RequestRecord {
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
    return rec;
  }

  private finish(rec: RequestRecord, outcome: Outcome, status?: number): void {
    rec.outcome = outcome;
    rec.status = status;
    rec.end = now();
    this.opts.onRecord?.(rec);
  }

  /** Counts the write as in flight on its API while `fn` runs (for conflictOnConcurrentWrites). */
  private async whileWriting(apiKey: string | undefined, fn: () => Promise<void>): Promise<void> {
    if (apiKey) this.inflightWrites.set(apiKey, (this.inflightWrites.get(apiKey) ?? 0) + 1);
    try {
      await fn();
    } finally {
      if (apiKey) {
        const n = (this.inflightWrites.get(apiKey) ?? 1) - 1;
        if (n <= 0) this.inflightWrites.delete(apiKey);
        else this.inflightWrites.set(apiKey, n);
      }
    }
  }

  private async answer(
    req: IncomingMessage,
    res: ServerResponse,
    rec: RequestRecord,
    body: Buffer,
    loseByDraw: boolean,
  ): Promise<void> {
    const ex = await this.exchange(req, rec, body).catch(() => undefined);
    if (!ex) {
      this.finish(rec, 'upstream_unreachable', 502);
      return sendError(res, 502, 'BadGateway', { message: 'emulator unreachable' });
    }
    if (ex.kind === 'answer') {
      this.finish(rec, ex.outcome, ex.status);
      return sendError(res, ex.status, ex.type, { message: ex.message });
    }
    const up = ex.reply;
    const lose = loseByDraw || (this.opts.lose?.(rec, up.status) ?? false);
    this.finish(rec, lose ? 'lost_response' : up.status < 400 ? 'ok' : 'upstream_error', up.status);
    await this.notifyForwarded(rec, up, lose);
    if (lose) {
      req.socket.destroy();
      return;
    }
    res.writeHead(up.status, { ...up.headers, 'content-length': String(up.body.length) });
    res.end(up.body);
    if (rec.operation === 'GetIntegrations' && rec.apiId !== undefined && up.status < 300)
      this.held.listingAnswered(rec.apiId);
  }

  private wantsLateCreate(rec: RequestRecord, body: Buffer): boolean {
    if (rec.operation !== 'CreateIntegration' || rec.apiId === undefined || !this.opts.lateCreate) return false;
    return this.opts.lateCreate(rec, parseObject(body) ?? {});
  }

  /**
   * A create that completes after the client gave up: never answered (the client's own timeout
   * fires), applied only once the client's next listing has been answered, so that listing cannot
   * see it. CreateIntegration has no client token, and a client-side timeout does not cancel a
   * server-side create (aws-semantics-review finding #5).
   */
  private async completeLate(req: IncomingMessage, rec: RequestRecord, body: Buffer): Promise<void> {
    const released = await this.held.wait(rec.apiId!, this.opts.lateCreateMaxDelayMs ?? LATE_CREATE_MAX_DELAY_MS);
    if (!released) {
      this.finish(rec, 'dropped');
      req.socket.destroy();
      return;
    }
    await this.whileWriting(rec.apiId, async () => {
      const ex = await this.exchange(req, rec, body).catch(() => undefined);
      this.finish(rec, 'late_create', !ex ? 502 : ex.kind === 'answer' ? ex.status : ex.reply.status);
      if (ex?.kind === 'upstream') await this.notifyForwarded(rec, ex.reply, true);
    });
    req.socket.destroy();
  }

  private async notifyForwarded(record: RequestRecord, up: UpstreamReply, lost: boolean): Promise<void> {
    try {
      await this.opts.onForwarded?.({ record, status: up.status, body: up.body, lost });
    } catch (err) {
      // A failing hook is the test's problem to report; the proxy still answers (or loses) as decided.
      process.stderr.write(
        `fault proxy ${this.label}: onForwarded hook failed: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    }
  }

  /** The request, through the fidelity rules when they are on, else straight to the emulator. */
  private async exchange(req: IncomingMessage, kind: RequestKind, body: Buffer): Promise<Exchange> {
    const up: Upstream = {
      forward: (b) => this.send(req, req.method ?? 'GET', req.url ?? '/', b),
      get: (path) => this.send(req, 'GET', path, Buffer.alloc(0)),
    };
    if (!this.fidelity) return { kind: 'upstream', reply: await up.forward(body) };
    return this.fidelity.exchange(kind, req.url ?? '/', body, up);
  }

  /** One call to the emulator, carrying the client's credentials (moto routes by their scope). */
  private send(req: IncomingMessage, method: string, path: string, body: Buffer): Promise<UpstreamReply> {
    const target = new URL(this.opts.upstream);
    const headers: IncomingHttpHeaders = { ...req.headers, host: target.host, 'content-length': String(body.length) };
    for (const h of HOP_BY_HOP) delete headers[h];
    return new Promise((resolve, reject) => {
      const up = httpRequest(
        { host: target.hostname, port: target.port, method, path, headers, agent: this.agent, timeout: 60_000 },
        (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('error', reject);
          r.on('end', () => {
            const out: Record<string, string | string[]> = {};
            for (const [k, v] of Object.entries(r.headers))
              if (v !== undefined && !HOP_BY_HOP.has(k) && k !== 'content-length') out[k] = v;
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
