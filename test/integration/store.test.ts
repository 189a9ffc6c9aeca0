// The ApiIntegration store hands the caller's AbortSignal to every request it makes, so a shutdown
// cancels writes the API server has not answered yet instead of waiting for them. A TCP
// pass-through proxy in front of the test bed's API server holds the client's bytes on request:
// the write is then in flight, unanswered, for as long as the test wants. TLS passes through
// untouched (the serving certificate's SANs include 127.0.0.1).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeKubeConnections, kubeConnections } from '../../src/adapters/kubernetes/connections.ts';
import { KubeApiIntegrationStore } from '../../src/adapters/kubernetes/store.ts';
import type { ApiIntegration, ApiIntegrationStatusT } from '../../src/api/v1alpha1/types.ts';
import { createObject, getObject, installCrd, kubeConfigVia, newNamespace, tb } from '../support/cluster.ts';

/** Pipes each connection to the API server; while holding, keeps what clients send to itself. */
class HoldingProxy {
  private holding = false;
  private held: { upstream: Socket; chunk: Buffer }[] = [];
  private onHeld: (() => void) | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  constructor(target: URL) {
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => (s === client ? upstream : client).destroy());
      }
      client.on('data', (chunk: Buffer) => {
        if (!this.holding) return upstream.write(chunk);
        this.held.push({ upstream, chunk });
        this.onHeld?.();
      });
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `https://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** Holds what clients send from now on; resolves once something has been held. */
  hold(): Promise<void> {
    this.holding = true;
    return new Promise((r) => (this.onHeld = r));
  }

  heldBytes(): number {
    return this.held.reduce((n, h) => n + h.chunk.length, 0);
  }

  /**
   * Drops what was held and closes the connections it came on: a TLS stream with bytes missing
   * cannot go on, and forwarding them late could still deliver an aborted HTTP/2 request.
   */
  discard(): void {
    this.holding = false;
    this.onHeld = undefined;
    for (const { upstream } of this.held.splice(0)) upstream.destroy();
  }

  /** Sends on what was held (to connections still open) and stops holding. */
  release(): void {
    this.holding = false;
    this.onHeld = undefined;
    for (const { upstream, chunk } of this.held.splice(0)) if (!upstream.destroyed) upstream.write(chunk);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

/** How `p` has settled within `ms`: resolved, rejected (with the error), or still pending. */
async function settledWithin<T>(p: Promise<T>, ms: number) {
  const outcome = p.then(
    (value) => ({ state: 'resolved' as const, value }),
    (error: unknown) => ({ state: 'rejected' as const, error }),
  );
  return Promise.race([outcome, sleep(ms).then(() => ({ state: 'pending' as const }))]);
}

const spec = {
  apiId: 'abcdef1234',
  integrationType: 'AWS_PROXY',
  integrationUri: 'arn:aws:lambda:us-east-1:123456789012:function:hello',
  payloadFormatVersion: '2.0',
};

const writes: Record<string, (s: KubeApiIntegrationStore, o: ApiIntegration, signal: AbortSignal) => Promise<unknown>> =
  {
    patchStatus: (s, o, signal) => s.patchStatus(o, { observedGeneration: 7 } as ApiIntegrationStatusT, signal),
    patchMetadata: (s, o, signal) =>
      s.patchMetadata(o, { annotations: { 'apigw.dev/abort-test': 'written' } }, { signal }),
  };
const written = (o: ApiIntegration) =>
  o.status?.observedGeneration === 7 || o.metadata.annotations?.['apigw.dev/abort-test'] === 'written';

let ns: string;
let proxy: HoldingProxy;
let kc: KubeConfig;
let store: KubeApiIntegrationStore;

beforeAll(async () => {
  await installCrd();
  ns = await newNamespace('store-abort');
  proxy = new HoldingProxy(new URL(tb.apiserverUrl));
  kc = kubeConnections(kubeConfigVia(await proxy.listen()));
  store = new KubeApiIntegrationStore(kc);
});

// A failed test must not leave the next one's requests held.
afterEach(() => proxy.discard());

afterAll(async () => {
  await closeKubeConnections(kc);
  await proxy.close();
});

describe('KubeApiIntegrationStore and its AbortSignal', () => {
  it.each(Object.keys(writes))(
    '%s: an abort rejects the unanswered request at once, and nothing sends it again',
    async (method) => {
      const obj = await createObject(ns, `abort-${method.toLowerCase()}`, spec);
      // The proxy path works: an ordinary write goes through (and opens the pooled connection).
      await store.patchMetadata(obj, { annotations: { 'apigw.dev/warm': '1' } });

      const ctl = new AbortController();
      const held = proxy.hold();
      const pending = writes[method]!(store, obj, ctl.signal);
      await held;
      // In flight and unanswered: without an abort it would wait for as long as the proxy holds it.
      expect(await settledWithin(pending, 1000)).toEqual({ state: 'pending' });

      ctl.abort();
      const outcome = await settledWithin(pending, 5000);
      expect(outcome).toMatchObject({ state: 'rejected', error: { name: 'AbortError' } });
      proxy.discard();
      // Nothing sends it again on another connection.
      await sleep(500);
      expect(written(await getObject(ns, obj.metadata.name))).toBe(false);
    },
  );

  it.each(Object.keys(writes))(
    '%s: the same write, not aborted, completes once the proxy lets it through',
    async (method) => {
      const obj = await createObject(ns, `control-${method.toLowerCase()}`, spec);
      await store.patchMetadata(obj, { annotations: { 'apigw.dev/warm': '1' } });

      const held = proxy.hold();
      const pending = writes[method]!(store, obj, new AbortController().signal);
      await held;
      expect(await settledWithin(pending, 1000)).toEqual({ state: 'pending' });
      proxy.release();
      expect(await settledWithin(pending, 10_000)).toMatchObject({ state: 'resolved' });
      expect(written(await getObject(ns, obj.metadata.name))).toBe(true);
    },
  );

  it('does not send a request whose signal has already aborted', async () => {
    const obj = await createObject(ns, 'pre-aborted', spec);
    const ctl = new AbortController();
    ctl.abort();
    void proxy.hold();
    expect(await settledWithin(writes.patchStatus!(store, obj, ctl.signal), 5000)).toMatchObject({
      state: 'rejected',
      error: { name: 'AbortError' },
    });
    await sleep(200);
    expect(proxy.heldBytes()).toBe(0);
    proxy.release();
    expect(written(await getObject(ns, obj.metadata.name))).toBe(false);
  });
});
