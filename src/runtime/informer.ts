// List-then-watch over the ListWatcher port, keeping a local cache and telling handlers what
// changed. It does what client-go's reflector does and client-node's informer does not:
// paginated lists, bookmarks, randomized watch timeouts, relist on 410, backoff-and-retry on any
// other failure (client-node gives up), and a watchdog for watches that go silent behind load
// balancers (client-node issue #596). Handlers are synchronous and should only enqueue keys.
import { ResettingBackoff, type Random } from './backoff.ts';
import { ObjectCache, type CacheChange } from './cache.ts';
import { sleep, systemClock, type Clock } from './clock.ts';
import { errorFields, silentLogger, type Logger } from './log.ts';
import { GoneError, type ListWatcher, type ObjectLike, type WatchEvent } from './ports.ts';

export { objectKey } from './cache.ts';

export interface InformerOptions<T extends ObjectLike> {
  listWatcher: ListWatcher<T>;
  /** For logs. */
  name?: string;
  clock?: Clock;
  logger?: Logger;
  random?: Random;
  /** Trims each object to what reconcile needs, so 10,000 cached objects stay small. */
  transform?: (obj: T) => T;
  /** Page size of the initial and recovery lists (default 500). */
  pageSize?: number;
  /**
   * Restart a watch that delivered nothing, not even a bookmark, for this long (default 3 min). The
   * API server bookmarks a quiet watch about once a minute (the first one up to two minutes in), so
   * silence past three means the stream is gone: the net for connections that HTTP/2 PINGs do not
   * cover, such as HTTP/1.1, where TCP keep-alive takes over ten minutes to give up.
   */
  watchdogMs?: number;
  /** Retry delays after failures: client-go's reflector uses 800 ms → 30 s, reset after 2 min. */
  backoff?: { initialMs?: number; maxMs?: number; resetAfterMs?: number };
}

type WatchEnd = 'closed' | 'short' | 'gone' | 'silent';

// A watch that ends this fast without a single event is treated as a failure (client-go's
// "very short watch"), so a server that keeps closing at once is not hammered.
const SHORT_WATCH_MS = 1000;

export class Informer<T extends ObjectLike> {
  private readonly lw: ListWatcher<T>;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly random: Random;
  private readonly transform: (obj: T) => T;
  private readonly pageSize: number;
  private readonly watchdogMs: number;
  private readonly backoff: ResettingBackoff;
  private readonly cache = new ObjectCache<T>();
  private readonly handlers = {
    add: [] as ((o: T) => void)[],
    update: [] as ((old: T, o: T) => void)[],
    delete: [] as ((o: T) => void)[],
  };
  private rv: string | undefined;
  private synced = false;
  private syncWaiters: ((synced: boolean) => void)[] = [];
  private lastEvent: number | undefined;
  private lastWatchActivity = 0;
  private ctl: AbortController | undefined;
  private loop: Promise<void> | undefined;

  constructor(opts: InformerOptions<T>) {
    this.lw = opts.listWatcher;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger()).child({ informer: opts.name ?? 'informer' });
    this.random = opts.random ?? Math.random;
    this.transform = opts.transform ?? ((o) => o);
    this.pageSize = opts.pageSize ?? 500;
    this.watchdogMs = opts.watchdogMs ?? 3 * 60_000;
    const b = opts.backoff ?? {};
    this.backoff = new ResettingBackoff({
      initialMs: b.initialMs ?? 800,
      maxMs: b.maxMs ?? 30_000,
      resetAfterMs: b.resetAfterMs ?? 120_000,
      factor: 2,
      jitter: 0.5,
      clock: this.clock,
      random: this.random,
    });
  }

  onAdd(fn: (obj: T) => void): void {
    this.handlers.add.push(fn);
  }

  onUpdate(fn: (old: T, obj: T) => void): void {
    this.handlers.update.push(fn);
  }

  onDelete(fn: (obj: T) => void): void {
    this.handlers.delete.push(fn);
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return this.cache.list();
  }

  /** True once the first full list has been stored; it stays true across relists. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, or false if `signal` aborts or the informer stops first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push((synced) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(synced);
      });
    });
  }

  /** When anything last arrived from the server (list, event or bookmark), for health checks. */
  /** When a watch last started or delivered anything; a stuck informer stops moving this. */
  lastActivityAt(): number {
    return this.lastWatchActivity;
  }

  lastEventAt(): number | undefined {
    return this.lastEvent;
  }

  /** The resourceVersion the next watch resumes from. */
  resourceVersion(): string | undefined {
    return this.rv;
  }

  start(signal?: AbortSignal): void {
    if (this.loop) throw new Error('informer already started');
    const ctl = new AbortController();
    this.ctl = ctl;
    signal?.addEventListener('abort', () => ctl.abort(signal.reason), { once: true });
    if (signal?.aborted) ctl.abort(signal.reason);
    this.loop = this.run(ctl.signal);
  }

  async stop(): Promise<void> {
    this.ctl?.abort(new Error('informer stopped'));
    await this.loop;
  }

  private async run(signal: AbortSignal): Promise<void> {
    let needList = true;
    while (!signal.aborted) {
      let phase: 'list' | 'watch' = 'list';
      try {
        if (needList) await this.listAll(signal);
        needList = false;
        phase = 'watch';
        const end = await this.watchOnce(signal);
        if (end === 'gone') needList = true;
        if (end === 'short') await this.retryAfterFailure(new Error('watch closed immediately'), signal);
        if (end === 'silent') this.log.warn({ watchdogMs: this.watchdogMs }, 'watch was silent; restarting it');
      } catch (err) {
        if (signal.aborted) break;
        // A 410 on the watch means our version was compacted away: relist at once. A 410 on a
        // list (expired continue token) is retried with backoff so it cannot spin.
        if (err instanceof GoneError && phase === 'watch') {
          needList = true;
          this.log.info('watch resource version expired; relisting');
          continue;
        }
        await this.retryAfterFailure(err, signal);
      }
    }
    for (const w of this.syncWaiters.splice(0)) w(false);
  }

  private async retryAfterFailure(err: unknown, signal: AbortSignal): Promise<void> {
    const delayMs = Math.round(this.backoff.next());
    this.log.warn({ delayMs, ...errorFields(err) }, 'list/watch failed; retrying');
    await sleep(this.clock, delayMs, signal).catch(() => undefined);
  }

  private async listAll(signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.lw.list({ limit: this.pageSize, continue: cont, signal });
      for (const item of page.items) items.push(this.transform(item));
      rv = page.resourceVersion;
      cont = page.continue || undefined;
    } while (cont);
    if (signal.aborted) return;
    this.rv = rv;
    const changes = this.cache.replace(items);
    this.lastEvent = this.clock.now();
    this.log.info({ objects: items.length, resourceVersion: rv }, 'listed');
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w(true);
    }
    for (const change of changes) this.emit(change);
  }

  private async watchOnce(signal: AbortSignal): Promise<WatchEnd> {
    const ctl = new AbortController();
    const onAbort = () => ctl.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const started = this.clock.now();
    let end: WatchEnd | undefined;
    let failure: Error | undefined;
    let events = 0;
    this.lastWatchActivity = started;
    const watchdog = this.startWatchdog(ctl, () => (end = 'silent'));
    try {
      const opts = {
        resourceVersion: this.rv ?? '',
        allowWatchBookmarks: true,
        timeoutSeconds: this.watchTimeout(),
        signal: ctl.signal,
      };
      await this.lw.watch(opts, (event) => {
        // Events that straggle in after we gave up on this stream must not touch the cache.
        if (ctl.signal.aborted) return;
        events++;
        const outcome = this.handleEvent(event);
        if (outcome === undefined) return;
        if (outcome === 'gone') end = 'gone';
        else failure = outcome;
        ctl.abort();
      });
    } catch (err) {
      // After our own abort a rejection is just the stream ending; before it, a real failure.
      if (!ctl.signal.aborted) throw err;
    } finally {
      watchdog.stop();
      signal.removeEventListener('abort', onAbort);
    }
    if (failure) throw failure;
    if (end) return end;
    if (events === 0 && this.clock.now() - started < SHORT_WATCH_MS && !signal.aborted) return 'short';
    return 'closed';
  }

  /** Aborts the watch once nothing has arrived for watchdogMs; re-arms while events flow. */
  private startWatchdog(ctl: AbortController, onSilent: () => void): { stop(): void } {
    let handle: unknown;
    const arm = (ms: number) => {
      handle = this.clock.setTimeout(() => {
        const idle = this.clock.now() - this.lastWatchActivity;
        if (idle < this.watchdogMs) return arm(this.watchdogMs - idle);
        onSilent();
        ctl.abort(new Error('watch silent'));
      }, ms);
    };
    arm(this.watchdogMs);
    return { stop: () => this.clock.clearTimeout(handle) };
  }

  /** Applies one event; returns 'gone' or an Error when the stream must end. */
  private handleEvent(event: WatchEvent<T>): 'gone' | Error | undefined {
    const now = this.clock.now();
    this.lastWatchActivity = now;
    this.lastEvent = now;
    if (event.type === 'ERROR') return watchError(event.status);
    const rv = event.object.metadata?.resourceVersion;
    if (rv) this.rv = rv;
    if (event.type === 'BOOKMARK') return undefined;
    const obj = this.transform(event.object);
    const change = event.type === 'DELETED' ? this.cache.remove(obj) : this.cache.upsert(obj);
    if (change) this.emit(change);
    return undefined;
  }

  private emit(change: CacheChange<T>): void {
    if (change.type === 'add') for (const fn of this.handlers.add) this.safely(() => fn(change.obj));
    else if (change.type === 'update')
      for (const fn of this.handlers.update) this.safely(() => fn(change.old, change.obj));
    else for (const fn of this.handlers.delete) this.safely(() => fn(change.obj));
  }

  private safely(call: () => void): void {
    try {
      call();
    } catch (err) {
      // A faulty handler must neither stop the informer nor starve the other handlers.
      this.log.error({ ...errorFields(err) }, 'event handler threw');
    }
  }

  /** client-go's reflector picks a random timeout in [5 min, 10 min] so watches do not all renew together. */
  private watchTimeout(): number {
    return 300 + Math.floor(this.random() * 301);
  }
}

/** 410 Gone (or its reasons) means the resourceVersion is too old: relist. Anything else ends the stream. */
function watchError(status: Extract<WatchEvent<unknown>, { type: 'ERROR' }>['status']): 'gone' | Error {
  const { code, reason, message } = status;
  if (code === 410 || reason === 'Expired' || reason === 'Gone') return 'gone';
  return new Error(`watch error ${code ?? '?'} ${reason ?? ''}: ${message ?? ''}`.trim());
}
