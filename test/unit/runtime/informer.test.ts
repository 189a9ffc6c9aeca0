// The informer keeps a faithful cache through everything a real API server and network do:
// paginated lists, bookmarks, 410 Gone, failed requests, and watches that silently stop.
import { describe, expect, it } from '@jest/globals';
import { FakeClock } from '../../../src/runtime/clock.ts';
import { Informer } from '../../../src/runtime/informer.ts';
import { GoneError } from '../../../src/runtime/ports.ts';
import { FakeListWatcher, obj, type Obj } from './fakes.ts';

function setup(opts: { watchdogMs?: number; transform?: (o: Obj) => Obj } = {}) {
  const clock = new FakeClock();
  const lw = new FakeListWatcher();
  const informer = new Informer<Obj>({ listWatcher: lw, clock, random: () => 0, ...opts });
  const events: string[] = [];
  informer.onAdd((o) => events.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`));
  informer.onUpdate((old, o) =>
    events.push(`update ${o.metadata.name}@${old.metadata.resourceVersion}->${o.metadata.resourceVersion}`),
  );
  informer.onDelete((o) => events.push(`delete ${o.metadata.name}`));
  return { clock, lw, informer, events };
}

describe('Informer initial sync', () => {
  it('lists page by page, then reports synced and watches from the list version with bookmarks', async () => {
    const { clock, lw, informer, events } = setup();
    lw.items = Array.from({ length: 1200 }, (_, i) => obj(`o${i}`, 10));
    lw.resourceVersion = '99';
    let release!: () => void;
    lw.listGate = new Promise((r) => (release = r));
    informer.start();
    await clock.advance(0);
    expect(informer.hasSynced()).toBe(false);
    release();
    lw.listGate = undefined;
    expect(await informer.waitForSync()).toBe(true);
    expect(lw.listCalls).toEqual([
      { limit: 500, continue: undefined },
      { limit: 500, continue: '500' },
      { limit: 500, continue: '1000' },
    ]);
    expect(informer.list()).toHaveLength(1200);
    expect(informer.get('ns/o7')?.metadata.name).toBe('o7');
    expect(events).toHaveLength(1200);
    await clock.advance(0);
    const w = lw.current.opts;
    expect(w.resourceVersion).toBe('99');
    expect(w.allowWatchBookmarks).toBe(true);
    expect(w.timeoutSeconds).toBeGreaterThanOrEqual(300);
    expect(w.timeoutSeconds).toBeLessThanOrEqual(600);
    await informer.stop();
  });

  it('keeps cluster-scoped objects under their bare name and applies transform', async () => {
    const { clock, lw, informer } = setup({ transform: (o) => ({ metadata: o.metadata }) });
    lw.items = [{ ...obj('global', 1, 'big payload', ''), metadata: { name: 'global', resourceVersion: '1' } }];
    informer.start();
    await clock.advance(0);
    expect(informer.get('global')).toEqual({ metadata: { name: 'global', resourceVersion: '1' } });
    await informer.stop();
  });

  it('stays unsynced while the first list fails, retrying with growing backoff', async () => {
    const { clock, lw, informer } = setup();
    lw.listErrors = [new Error('connection refused'), new Error('connection refused')];
    informer.start();
    await clock.advance(0);
    expect(lw.listCalls).toHaveLength(1);
    expect(informer.hasSynced()).toBe(false);
    await clock.advance(799);
    expect(lw.listCalls).toHaveLength(1);
    await clock.advance(1);
    expect(lw.listCalls).toHaveLength(2);
    await clock.advance(1599);
    expect(lw.listCalls).toHaveLength(2);
    await clock.advance(1);
    expect(lw.listCalls).toHaveLength(3);
    expect(informer.hasSynced()).toBe(true);
    await informer.stop();
  });
});

describe('Informer watch', () => {
  it('applies watch events to the cache and handlers; an unchanged version is not an update', async () => {
    const { clock, lw, informer, events } = setup();
    lw.items = [obj('a', 1)];
    informer.start();
    await clock.advance(0);
    lw.current.emit({ type: 'ADDED', object: obj('b', 2) });
    lw.current.emit({ type: 'MODIFIED', object: obj('a', 3) });
    lw.current.emit({ type: 'MODIFIED', object: obj('a', 3) });
    lw.current.emit({ type: 'DELETED', object: obj('b', 4) });
    expect(events).toEqual(['add a@1', 'add b@2', 'update a@1->3', 'delete b']);
    expect(informer.list().map((o) => o.metadata.name)).toEqual(['a']);
    expect(informer.resourceVersion()).toBe('4');
    await informer.stop();
  });

  it('resumes from the last bookmark after the server closes the watch', async () => {
    const { clock, lw, informer } = setup();
    informer.start();
    await clock.advance(0);
    lw.current.emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '500' } } });
    await clock.advance(120_000);
    lw.current.close();
    await clock.advance(0);
    expect(lw.watches).toHaveLength(2);
    expect(lw.current.opts.resourceVersion).toBe('500');
    expect(lw.listCalls).toHaveLength(1);
    await informer.stop();
  });

  it('relists on a watch ERROR 410 and reports what changed meanwhile', async () => {
    const { clock, lw, informer, events } = setup();
    lw.items = [obj('a', 1), obj('b', 1)];
    informer.start();
    await clock.advance(0);
    lw.items = [obj('a', 7), obj('c', 7)];
    lw.resourceVersion = '7';
    lw.current.emit({ type: 'ERROR', status: { code: 410, reason: 'Expired', message: 'too old resource version' } });
    await clock.advance(0);
    expect(lw.listCalls).toHaveLength(2);
    expect(events.slice(2)).toEqual(['update a@1->7', 'add c@7', 'delete b']);
    expect(lw.current.opts.resourceVersion).toBe('7');
    expect(lw.watches[0]!.opts.signal.aborted).toBe(true);
    await informer.stop();
  });

  it('relists when the watch request itself fails with 410 Gone', async () => {
    const { clock, lw, informer } = setup();
    informer.start();
    await clock.advance(0);
    lw.current.fail(new GoneError());
    await clock.advance(0);
    expect(lw.listCalls).toHaveLength(2);
    expect(lw.watches).toHaveLength(2);
    await informer.stop();
  });

  it('restarts a failed watch after backoff, from the same version, without relisting', async () => {
    const { clock, lw, informer } = setup();
    lw.resourceVersion = '42';
    informer.start();
    await clock.advance(0);
    lw.current.fail(new Error('ECONNRESET'));
    await clock.advance(799);
    expect(lw.watches).toHaveLength(1);
    await clock.advance(1);
    expect(lw.watches).toHaveLength(2);
    lw.current.emit({ type: 'ERROR', status: { code: 500, reason: 'InternalError', message: 'etcd unavailable' } });
    await clock.advance(1599);
    expect(lw.watches).toHaveLength(2);
    await clock.advance(1);
    expect(lw.watches).toHaveLength(3);
    expect(lw.current.opts.resourceVersion).toBe('42');
    expect(lw.listCalls).toHaveLength(1);
    await informer.stop();
  });

  it('the watchdog restarts a watch that delivered nothing, not even a bookmark', async () => {
    const { clock, lw, informer } = setup({ watchdogMs: 60_000 });
    informer.start();
    await clock.advance(0);
    await clock.advance(30_000);
    lw.current.emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '5' } } });
    await clock.advance(59_999);
    expect(lw.watches).toHaveLength(1);
    await clock.advance(1);
    expect(lw.watches[0]!.opts.signal.aborted).toBe(true);
    expect(lw.watches).toHaveLength(2);
    expect(lw.current.opts.resourceVersion).toBe('5');
    expect(lw.listCalls).toHaveLength(1);
    expect(informer.lastEventAt()).toBe(clock.now() - 60_000);
    await informer.stop();
  });

  it('by default leaves a watch quiet for two minutes alone (bookmarks come about every minute) and restarts it at three', async () => {
    const { clock, lw, informer } = setup();
    informer.start();
    await clock.advance(0);
    await clock.advance(120_000);
    expect(lw.watches).toHaveLength(1);
    await clock.advance(60_000);
    expect(lw.watches).toHaveLength(2);
    await informer.stop();
  });

  it('stop() aborts the watch and ends the loop', async () => {
    const { clock, lw, informer } = setup();
    informer.start();
    await clock.advance(0);
    await informer.stop();
    expect(lw.current.opts.signal.aborted).toBe(true);
    await clock.advance(60_000);
    expect(lw.watches).toHaveLength(1);
  });

  it('backs off when the server keeps closing the watch at once without events', async () => {
    const { clock, lw, informer } = setup();
    informer.start();
    await clock.advance(0);
    lw.current.close();
    await clock.advance(799);
    expect(lw.watches).toHaveLength(1);
    await clock.advance(1);
    expect(lw.watches).toHaveLength(2);
    await informer.stop();
  });

  it('a throwing handler neither stops the informer nor starves other handlers', async () => {
    const { clock, lw, informer, events } = setup();
    informer.onAdd(() => {
      throw new Error('handler bug');
    });
    const second: string[] = [];
    informer.onAdd((o) => second.push(o.metadata.name));
    informer.start();
    await clock.advance(0);
    lw.current.emit({ type: 'ADDED', object: obj('a', 2) });
    lw.current.emit({ type: 'ADDED', object: obj('b', 3) });
    expect(events).toEqual(['add a@2', 'add b@3']);
    expect(second).toEqual(['a', 'b']);
    expect(informer.list()).toHaveLength(2);
    await informer.stop();
  });

  it('waitForSync resolves false when stopped before the first list succeeds', async () => {
    const { clock, lw, informer } = setup();
    lw.listErrors = [new Error('forbidden')];
    informer.start();
    const synced = informer.waitForSync();
    await clock.advance(0);
    await informer.stop();
    expect(await synced).toBe(false);
  });
});
