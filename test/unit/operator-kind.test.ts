// A kind follows another by declaring a watch: a change to a watched object queues the keys the
// watch names (at once, or after its delay), and a watch of a kind nobody registered is refused at
// start-up rather than silently never firing.
import { describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { Registry } from 'prom-client';
import { parseConfig } from '../../src/config.ts';
import { KindWorkers, type Change, type KindController, type Watch } from '../../src/operator-kind.ts';
import { FakeClock } from '../../src/runtime/clock.ts';
import { RuntimeMetrics } from '../../src/runtime/metrics.ts';
import { obj, type Obj } from './runtime/fakes.ts';
import { unreachableKubeConfig } from '../support/local-kube.ts';

const kubeConfig = unreachableKubeConfig;

/** A kind whose changes the test emits by hand. */
function source(name: string): KindController & { emit(change: Change<Obj>): void } {
  const handlers: ((change: Change<unknown>) => void)[] = [];
  return {
    name,
    detect: async () => true,
    startInformers: () => {},
    startWorkers: () => {},
    stopWorkers: async () => true,
    stopInformers: async () => {},
    synced: () => true,
    watching: () => true,
    follow: () => {},
    onChange: (fn) => void handlers.push(fn),
    emit: (change) => handlers.forEach((fn) => fn(change)),
  };
}

function follower(clock: FakeClock, watches: Watch<Obj>[]): KindWorkers<Obj> {
  return new KindWorkers<Obj>({
    name: 'follower',
    plural: 'followers',
    cfg: parseConfig(['--region', 'us-east-1'], {}),
    kc: kubeConfig(),
    clock,
    logger: pino({ level: 'silent' }),
    metrics: new RuntimeMetrics(new Registry()),
    informerName: (namespace) => namespace ?? 'all-namespaces',
    transform: (o) => o,
    worth: () => true,
    reconciler: () => async () => undefined,
    watches,
  });
}

describe('cross-kind watches', () => {
  it('queue the keys the watching kind names for each change of the watched kind', () => {
    const clock = new FakeClock();
    const watched = source('watched');
    const kind = follower(clock, [{ source: 'watched', keys: ({ cur }) => [`ns/of-${cur.metadata.name}`] }]);
    kind.follow([watched, kind]);
    watched.emit({ type: 'add', cur: obj('a', 1) });
    watched.emit({ type: 'update', old: obj('b', 1), cur: obj('b', 2) });
    expect(kind.queue.len()).toBe(2);
  });

  it('queue after the declared delay, not before', async () => {
    const clock = new FakeClock();
    const watched = source('watched');
    const kind = follower(clock, [{ source: 'watched', delayMs: 2100, keys: () => ['ns/later'] }]);
    kind.follow([watched, kind]);
    watched.emit({ type: 'delete', cur: obj('a', 1) });
    expect(kind.queue.len()).toBe(0);
    await clock.advance(2100);
    expect(kind.queue.len()).toBe(1);
  });

  it('refuse a watch of a kind that is not registered', () => {
    const kind = follower(new FakeClock(), [{ source: 'missing', keys: () => [] }]);
    expect(() => kind.follow([kind])).toThrow('follower watches missing, which is not registered');
  });
});
