// Changing apiId moves the integration: create on the new API, then delete the old one. With the
// drift interval users run (the default, 5 minutes), the old integration must not outlive the
// move by much once the object says Ready: tools that wait for Ready (kubectl wait, Helm, Argo CD)
// then move on while the old API still routes to an integration nobody owns any more.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FaultProxy } from '../faultproxy/proxy.ts';
import {
  createApi,
  createObject,
  eventually,
  installCrd,
  integrationsOf,
  newNamespace,
  patchSpec,
} from '../support/cluster.ts';
import type { OperatorProcess } from '../support/process.ts';
import { isReady, lambda, listObjects, logTail, spawnThrough, startProxy, stopOperator } from './support.ts';

let ns = '';
let proxy: FaultProxy;
let op: OperatorProcess | undefined;

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('rel-move');
  proxy = await startProxy();
  op = spawnThrough(proxy, ['--watch-namespaces', ns]);
}, 60_000);

afterAll(async () => {
  await stopOperator(op);
  await proxy?.close();
});

describe('moving an integration to another API with the default drift interval', () => {
  it('deletes the old integration promptly once the object reports Ready', async () => {
    const from = await createApi('HTTP', 'rel-move-from');
    const to = await createApi('HTTP', 'rel-move-to');
    await createObject(ns, 'mover', lambda(from));
    await eventually(
      'Ready on the first API',
      async () => (await listObjects(ns)).find((o) => isReady(o)),
      60_000,
      200,
    );
    await patchSpec(ns, 'mover', { apiId: to });
    await eventually(
      'Ready on the new API',
      async () => (await listObjects(ns)).find((o) => o.metadata.generation === 2 && isReady(o)),
      60_000,
      200,
    );
    const readyAt = Date.now();
    expect((await integrationsOf(to)).length).toBe(1);
    // The object is Ready; the old integration should follow within seconds, not at the next
    // drift check minutes later.
    const left = await eventually(
      'old integration deleted',
      async () => ((await integrationsOf(from)).length === 0 ? 'gone' : undefined),
      15_000,
      250,
    ).catch(
      async () =>
        `still there ${Math.round((Date.now() - readyAt) / 1000)} s after Ready: ${JSON.stringify((await integrationsOf(from)).map((i) => i.IntegrationId))}; annotations ${JSON.stringify((await listObjects(ns))[0]?.metadata.annotations)}\n${logTail(op, 6)}`,
    );
    expect(left).toBe('gone');
  }, 120_000);
});
