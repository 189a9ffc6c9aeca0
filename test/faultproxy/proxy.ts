// A fault-injecting HTTP proxy between the operator and the API Gateway emulator. It gives the
// emulator what it lacks and real API Gateway has: the control-plane quota (token bucket, 429
// TooManyRequestsException), 409 ConflictException on concurrent writes to one API (on whenever
// fidelity is, as AWS refuses them: terraform-provider-aws#37897, #40575), 5xx, added latency,
// dropped connections (request never forwarded) and lost responses (request applied, then the
// client's socket destroyed: the worst case for duplicates), creates that complete only after the
// client gave up and listed again, and, each off unless asked for, creates that reads do not see yet
// and transient ELB-listener 400s on private integrations (scripted-faults.ts). Random faults are
// drawn per request from a seeded generator so a run can be replayed. Every request is counted by
// operation and outcome, and writes keep their start/end times so tests can check who wrote when.
// With `fidelity` it also answers the way API Gateway does where the emulator does not (routed
// integrations cannot be deleted, per-API quotas, UpdateIntegration's merge, paged listings, 404s,
// defaults, quick create, stages and deployments): the rules and their sources are in fidelity.ts
// and its siblings. Its own read endpoints (what a stage serves) live under /__emulator/.
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { classify, ITEM_CREATES, ITEM_READS, type RequestKind } from './operations.ts';
import { seededRng, type Rng } from './rng.ts';
import { integrationsByApi, type ApiInventory } from './inventory.ts';
import {
  Fidelity,
  integrationNotFoundMessage,
  parseObject,
  type Exchange,
  type Upstream,
  type UpstreamReply,
} from './fidelity.ts';
import { HeldCreates } from './late-create.ts';
import { readBody, sendError, sendUpstream } from './http.ts';
import { answerEmulatorRead, EMULATOR_PREFIX } from './emulator-endpoints.ts';
import { ELB_LISTENER_MESSAGE, NotYetVisible, TransientElbFailures } from './scripted-faults.ts';
import { jsonReply, lastSegmentOf, routeNotFoundMessage } from './wire.ts';
import { CONFLICT_MESSAGE, TokenBucket, verdictOf } from './random-faults.ts';
import { FORWARDED, type FaultProxyOptions, type Outcome, type RequestRecord } from './options.ts';

export { AWS_QUOTA, type FaultMix, type Quota } from './random-faults.ts';
export type { FidelityOptions } from './fidelity.ts';
export { FORWARDED } from './options.ts';
export type { FaultProxyOptions, ForwardedInfo, Outcome, RequestRecord } from './options.ts';

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LATE_CREATE_MAX_DELAY_MS = 30_000;

function fidelityOf(option: FaultProxyOptions['fidelity']): Fidelity | undefined {
  if (!option) return undefined;
  return new Fidelity(option === true ? {} : option);
}

export class FaultProxy {
  private opts: FaultProxyOptions;
  private rng: Rng;
  private bucket: TokenBucket;
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
  private readonly notYetVisible = new NotYetVisible();
  private elbFailures: TransientElbFailures;
  private port = 0;
  label: string;

  constructor(opts: FaultProxyOptions) {
    this.opts = opts;
    this.label = opts.label ?? 'proxy';
    this.rng = seededRng(opts.seed ?? 1);
    this.fidelity = fidelityOf(opts.fidelity);
    this.elbFailures = new TransientElbFailures(opts.transientElbFailures);
    this.bucket = new TokenBucket(opts.quota);
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
    if ('quota' in change) this.bucket = new TokenBucket(change.quota);
    if ('fidelity' in change) {
      this.fidelity?.close();
      this.fidelity = fidelityOf(change.fidelity);
    }
    if ('transientElbFailures' in change) this.elbFailures = new TransientElbFailures(change.transientElbFailures);
  }

  async close(): Promise<void> {
    this.held.close();
    this.fidelity?.close();
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

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The test bed's own reads: not AWS calls, so neither counted nor faulted nor throttled.
    if ((req.url ?? '/').startsWith(EMULATOR_PREFIX))
      return answerEmulatorRead(req.method ?? 'GET', req.url ?? '/', this.fidelity, res);
    const kind = classify(req.method ?? 'GET', req.url ?? '/');
    const rec = this.record(req, kind);
    // The same four draws for every request, so one seed always yields one schedule.
    const draws: [number, number, number, number] = [this.rng(), this.rng(), this.rng(), this.rng()];
    const v = verdictOf(kind, { faults: this.opts.faults, withinQuota: this.bucket.take() }, draws);
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
    if (this.elbFailures.refuses(kind.operation, parseObject(body))) {
      this.finish(rec, 'injected_elb_failure', 400);
      return sendError(res, 400, 'BadRequestException', { message: ELB_LISTENER_MESSAGE });
    }
    if (this.wantsLateCreate(rec, body)) return this.completeLate(req, rec, body);
    const apiKey = kind.write && kind.apiId ? kind.apiId : undefined;
    if (apiKey && this.refusesConcurrentWrites() && (this.inflightWrites.get(apiKey) ?? 0) > 0) {
      this.finish(rec, 'concurrent_conflict', 409);
      return sendError(res, 409, 'ConflictException', { message: CONFLICT_MESSAGE });
    }
    await this.whileWriting(apiKey, async () => {
      if (v.delayMs > 0) await sleep(v.delayMs);
      await this.answer(req, res, rec, body, v.lose);
    });
  }

  private clockNow(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private refusesConcurrentWrites(): boolean {
    return this.opts.conflictOnConcurrentWrites ?? Boolean(this.opts.fidelity);
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
    const hidden = this.notVisibleMessage(rec);
    if (hidden) {
      this.finish(rec, 'not_visible', 404);
      return sendError(res, 404, 'NotFoundException', { message: hidden });
    }
    const ex = await this.exchange(req, rec, body).catch(() => undefined);
    if (!ex) {
      this.finish(rec, 'upstream_unreachable', 502);
      return sendError(res, 502, 'BadGateway', { message: 'emulator unreachable' });
    }
    if (ex.kind === 'answer') {
      this.finish(rec, ex.outcome, ex.status);
      return sendError(res, ex.status, ex.type, { message: ex.message });
    }
    const up = this.visibleOnly(rec, ex.reply);
    this.noteCreated(rec, up);
    const lose = loseByDraw || (this.opts.lose?.(rec, up.status) ?? false);
    this.finish(rec, lose ? 'lost_response' : up.status < 400 ? 'ok' : 'upstream_error', up.status);
    await this.notifyForwarded(rec, up, lose);
    if (rec.operation === 'GetIntegrations' && rec.apiId !== undefined && up.status < 300)
      await this.held.pageAnswered(rec.apiId, !parseObject(up.body)?.nextToken);
    if (lose) {
      req.socket.destroy();
      return;
    }
    res.writeHead(up.status, { ...up.headers, 'content-length': String(up.body.length) });
    res.end(up.body);
  }

  /** AWS's 404 for a read of something created less than notVisibleForMs ago, if this is one. */
  private notVisibleMessage(rec: RequestRecord): string | undefined {
    const read = ITEM_READS[rec.operation];
    if (!read || read.listing || rec.apiId === undefined) return undefined;
    const id = lastSegmentOf(rec.path);
    if (!this.notYetVisible.hides(rec.apiId, read.kind, id, this.clockNow())) return undefined;
    return read.kind === 'integration' ? integrationNotFoundMessage(id) : routeNotFoundMessage(id);
  }

  /** A listing's answer without what is not visible yet. */
  private visibleOnly(rec: RequestRecord, up: UpstreamReply): UpstreamReply {
    const read = ITEM_READS[rec.operation];
    const json = read?.listing && rec.apiId !== undefined && up.status < 300 ? parseObject(up.body) : undefined;
    return json ? jsonReply(this.notYetVisible.listing(rec.apiId!, read!.kind, json, this.clockNow()), up) : up;
  }

  /** Starts the notVisibleForMs window of a create that succeeded. */
  private noteCreated(rec: RequestRecord, up: UpstreamReply): void {
    const kind = ITEM_CREATES[rec.operation];
    const forMs = this.opts.notVisibleForMs ?? 0;
    if (!kind || forMs <= 0 || rec.apiId === undefined || up.status >= 300) return;
    this.notYetVisible.created(rec.apiId, kind, parseObject(up.body), forMs, this.clockNow());
  }

  private wantsLateCreate(rec: RequestRecord, body: Buffer): boolean {
    if (rec.operation !== 'CreateIntegration' || rec.apiId === undefined || !this.opts.lateCreate) return false;
    return this.opts.lateCreate(rec, parseObject(body) ?? {});
  }

  /**
   * A create that completes after the client gave up: never answered (the client's own timeout
   * fires), applied only once the client's next listing has been answered (or, with
   * lateCreateLands 'between-pages', between its first two pages). CreateIntegration has no client
   * token, and a client-side timeout does not cancel a server-side create.
   */
  private completeLate(req: IncomingMessage, rec: RequestRecord, body: Buffer): Promise<void> {
    const opts = {
      maxDelayMs: this.opts.lateCreateMaxDelayMs ?? LATE_CREATE_MAX_DELAY_MS,
      betweenPages: this.opts.lateCreateLands === 'between-pages',
    };
    return new Promise((done) => {
      const apply = async () => {
        await this.whileWriting(rec.apiId, async () => {
          const ex = await this.exchange(req, rec, body).catch(() => undefined);
          this.finish(rec, 'late_create', !ex ? 502 : ex.kind === 'answer' ? ex.status : ex.reply.status);
          if (ex?.kind !== 'upstream') return;
          this.noteCreated(rec, ex.reply);
          await this.notifyForwarded(rec, ex.reply, true);
        });
        req.socket.destroy();
        done();
      };
      const drop = () => {
        this.finish(rec, 'dropped');
        req.socket.destroy();
        done();
      };
      this.held.hold(rec.apiId!, opts, apply, drop);
    });
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
    const to = { upstream: this.opts.upstream, agent: this.agent };
    const up: Upstream = {
      forward: (b) => sendUpstream(to, req, { method: req.method ?? 'GET', path: req.url ?? '/', body: b }),
      get: (path) => sendUpstream(to, req, { method: 'GET', path, body: Buffer.alloc(0) }),
      write: (method, path, b) => sendUpstream(to, req, { method, path, body: Buffer.from(JSON.stringify(b)) }),
    };
    if (!this.fidelity) return { kind: 'upstream', reply: await up.forward(body) };
    return this.fidelity.exchange(kind, req.url ?? '/', body, up);
  }
}
