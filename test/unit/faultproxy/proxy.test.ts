// The fault-injecting proxy's own behaviour, against a tiny local upstream that answers like the
// emulator: operation naming, the quota's shape, each fault kind, seeded replay, and that the AWS
// SDK reads the injected errors as the real service's.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiGatewayV2Client, CreateIntegrationCommand } from '@aws-sdk/client-apigatewayv2';
import { classify } from '../../faultproxy/operations.ts';
import { FaultProxy, type FaultProxyOptions, type Outcome, type RequestRecord } from '../../faultproxy/proxy.ts';
import { audit } from '../../faultproxy/inventory.ts';
import { seededRng } from '../../faultproxy/rng.ts';
import { verdictOf } from '../../faultproxy/random-faults.ts';
import { lateCreateSignal, until, writeGate } from './waiting.ts';
import {
  inUseMessage,
  mergeIntegrationUpdate,
  mergeRequestParameters,
  mergeRequestTemplates,
  mergeResponseParameters,
  routesTargeting,
  SUBTYPE_TOMBSTONE_MESSAGE,
  withCreateDefaults,
} from '../../faultproxy/fidelity.ts';

interface Seen {
  method: string;
  path: string;
  body: string;
}

let upstream: Server;
let upstreamUrl = '';
const seen: Seen[] = [];
/** While set, the upstream answers writes only once the gate opens (reads at once). */
let writesHeld: ReturnType<typeof writeGate> | undefined;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', body });
      const reply = () => {
        const text = JSON.stringify({ integrationId: `i${seen.length}`, echo: body });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
        res.end(text);
      };
      if (req.method !== 'GET' && writesHeld) void writesHeld.opened.then(reply);
      else reply();
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => upstream.close(r));
});

const proxies: FaultProxy[] = [];
async function proxy(opts: Omit<FaultProxyOptions, 'upstream'> = {}): Promise<FaultProxy> {
  const p = await FaultProxy.start({ upstream: upstreamUrl, ...opts });
  proxies.push(p);
  return p;
}
afterEach(async () => {
  writesHeld?.open();
  writesHeld = undefined;
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  seen.length = 0;
});

type Reply =
  { status: number; headers: Record<string, string | string[] | undefined>; body: string } | { error: string };

function call(p: FaultProxy, method: string, path: string, body = ''): Promise<Reply> {
  return new Promise((resolve) => {
    const req = request(
      `${p.url}${path}`,
      { method, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', (e) => resolve({ error: e.message }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(body);
  });
}

const status = (r: Reply) => ('status' in r ? r.status : r.error);

describe('operation names', () => {
  it.each([
    ['POST', '/v2/apis/abc/integrations', 'CreateIntegration', 'abc', true],
    ['GET', '/v2/apis/abc/integrations?maxResults=10', 'GetIntegrations', 'abc', false],
    ['GET', '/v2/apis/abc/integrations/xyz', 'GetIntegration', 'abc', false],
    ['PATCH', '/v2/apis/abc/integrations/xyz', 'UpdateIntegration', 'abc', true],
    ['DELETE', '/v2/apis/abc/integrations/xyz', 'DeleteIntegration', 'abc', true],
    ['GET', '/v2/apis/abc', 'GetApi', 'abc', false],
    ['GET', '/v2/apis', 'GetApis', undefined, false],
    ['POST', '/v2/apis', 'CreateApi', undefined, true],
    ['GET', '/moto-api/data.json', 'Other', undefined, false],
    ['GET', '/v2/apis/abc/routes', 'GetRoutes', 'abc', false],
    ['POST', '/v2/apis/abc/routes', 'CreateRoute', 'abc', true],
    ['GET', '/v2/apis/abc/routes/r1', 'GetRoute', 'abc', false],
    ['PATCH', '/v2/apis/abc/routes/r1', 'UpdateRoute', 'abc', true],
    ['DELETE', '/v2/apis/abc/routes/r1', 'DeleteRoute', 'abc', true],
  ])('%s %s is %s', (method, path, operation, apiId, write) => {
    expect(classify(method, path)).toEqual({ operation, apiId, write });
  });
});

describe('passing through', () => {
  it('forwards method, path and body, returns the answer, and counts it', async () => {
    const p = await proxy();
    const r = await call(p, 'POST', '/v2/apis/a1/integrations', '{"integrationType":"MOCK"}');
    expect(status(r)).toBe(200);
    expect(seen).toEqual([{ method: 'POST', path: '/v2/apis/a1/integrations', body: '{"integrationType":"MOCK"}' }]);
    expect(p.counts()).toEqual({ CreateIntegration: { ok: 1 } });
    expect(p.appliedWrites()).toHaveLength(1);
    expect(p.appliedWrites()[0]!.end).toBeGreaterThanOrEqual(p.appliedWrites()[0]!.start);
  });
});

describe('the quota', () => {
  it('lets a burst of 40 through, refuses the rest with the API Gateway 429 shape, and refills at 10/s', async () => {
    const p = await proxy({ quota: { ratePerSec: 10, burst: 40 } });
    // The bucket refills on the wall clock while the burst is being answered, so what may pass on
    // top of the 40 is what 10/s adds in the time the burst took (a loaded machine takes longer).
    const start = performance.now();
    const replies = await Promise.all(Array.from({ length: 60 }, () => call(p, 'GET', '/v2/apis/a1/integrations')));
    const refillDuring = (from: number) => Math.ceil(((performance.now() - from) / 1000) * 10) + 1;
    const ok = replies.filter((r) => status(r) === 200).length;
    expect(ok).toBeGreaterThanOrEqual(40);
    expect(ok).toBeLessThanOrEqual(Math.min(40 + refillDuring(start), 59));
    const refused = replies.find((r) => status(r) === 429) as Extract<Reply, { status: number }>;
    expect(refused.headers['x-amzn-errortype']).toBe('TooManyRequestsException');
    expect(JSON.parse(refused.body)).toEqual({ message: 'Too Many Requests', limitType: expect.any(String) });
    expect(p.count({ outcome: 'throttled' })).toBe(60 - ok);
    expect(seen).toHaveLength(ok);

    await new Promise((r) => setTimeout(r, 1000));
    const later = await Promise.all(Array.from({ length: 20 }, () => call(p, 'GET', '/v2/apis/a1')));
    const refilled = later.filter((r) => status(r) === 200).length;
    expect(refilled).toBeGreaterThanOrEqual(9);
    // The bucket was empty at the first burst's last refusal, which came after `start`.
    expect(refilled).toBeLessThanOrEqual(Math.min(refillDuring(start), 19));
  });

  it('is read by the AWS SDK as TooManyRequestsException with its limitType', async () => {
    const p = await proxy({ quota: { ratePerSec: 0.001, burst: 1 } });
    const sdk = new ApiGatewayV2Client({
      region: 'us-east-1',
      endpoint: p.url,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
    try {
      await sdk.send(new CreateIntegrationCommand({ ApiId: 'a1', IntegrationType: 'MOCK' }));
      const err = await sdk
        .send(new CreateIntegrationCommand({ ApiId: 'a1', IntegrationType: 'MOCK' }))
        .catch((e: unknown) => e);
      expect(err).toMatchObject({
        name: 'TooManyRequestsException',
        LimitType: 'RequestRate',
        $metadata: { httpStatusCode: 429 },
      });
    } finally {
      sdk.destroy();
    }
  });
});

describe('faults', () => {
  it('refuses a concurrent write on the same API with 409 ConflictException, but not writes on other APIs or reads', async () => {
    // The first write is held at the upstream until each other request has been answered or has
    // reached the upstream itself, so they overlap it however slowly the machine runs.
    writesHeld = writeGate();
    const p = await proxy({ conflictOnConcurrentWrites: true });
    const first = call(p, 'POST', '/v2/apis/one/integrations', '{}');
    await until('the first write at the upstream', () => seen.length === 1);
    const others = [
      call(p, 'PATCH', '/v2/apis/one/integrations/x', '{}'),
      call(p, 'POST', '/v2/apis/two/integrations', '{}'),
      call(p, 'GET', '/v2/apis/one/integrations'),
    ] as const;
    const atUpstream = (r: RequestRecord) => seen.some((s) => s.method === r.method && s.path === r.path);
    await until('the other three answered or forwarded', () => {
      const recs = p.records();
      return recs.length === 4 && recs.every((r) => r.end > 0 || atUpstream(r));
    });
    writesHeld.open();
    const [a, b, c, d] = await Promise.all([first, ...others]);
    expect([status(a), status(b), status(c), status(d)]).toEqual([200, 409, 200, 200]);
    expect((b as { body: string }).body).toContain('concurrent modification');
    expect((b as { headers: Record<string, unknown> }).headers['x-amzn-errortype']).toBe('ConflictException');
    expect(p.count({ outcome: 'concurrent_conflict' })).toBe(1);
    // Once the first write is done, the API takes writes again.
    expect(status(await call(p, 'PATCH', '/v2/apis/one/integrations/x', '{}'))).toBe(200);
  });

  it('drops a connection without forwarding the request', async () => {
    const p = await proxy({ faults: { drop: 1 } });
    const r = await call(p, 'POST', '/v2/apis/a1/integrations', '{}');
    expect(r).toEqual({ error: expect.stringMatching(/ECONNRESET|socket hang up/) });
    expect(seen).toHaveLength(0);
    expect(p.count({ outcome: 'dropped' })).toBe(1);
  });

  it('loses the response of a request the upstream applied', async () => {
    const p = await proxy({ faults: { lostResponse: 1 } });
    const r = await call(p, 'POST', '/v2/apis/a1/integrations', '{"a":1}');
    expect(r).toEqual({ error: expect.stringMatching(/ECONNRESET|socket hang up/) });
    expect(seen).toEqual([{ method: 'POST', path: '/v2/apis/a1/integrations', body: '{"a":1}' }]);
    expect(p.appliedWrites().map((w) => w.outcome)).toEqual(['lost_response']);
  });

  it('answers injected 5xx, 409 and 429 without forwarding', async () => {
    for (const [faults, expected, outcome] of [
      [{ serverError: 1 }, [500, 502, 503, 504], 'injected_5xx'],
      [{ conflict: 1 }, [409], 'injected_conflict'],
      [{ throttle: 1 }, [429], 'injected_throttle'],
    ] as const) {
      const p = await proxy({ faults });
      const r = await call(p, 'DELETE', '/v2/apis/a1/integrations/i1');
      expect(expected).toContain(status(r));
      expect(p.count({ outcome: outcome as Outcome })).toBe(1);
    }
    expect(seen).toHaveLength(0);
  });

  it('adds latency', async () => {
    const p = await proxy({ faults: { latency: { probability: 1, minMs: 150, maxMs: 200 } } });
    const t0 = performance.now();
    expect(status(await call(p, 'GET', '/v2/apis/a1'))).toBe(200);
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(145);
    // How long a loaded machine takes on top is not the proxy's; the drawn delay's range is checked
    // exactly below, so the wall clock only has to rule out a delay of the wrong unit.
    expect(took).toBeLessThan(5000);
  });

  it('draws the added latency between its bounds, both included', () => {
    const latency = { probability: 1, minMs: 150, maxMs: 200 };
    const kind = classify('GET', '/v2/apis/a1');
    const delays = Array.from({ length: 1001 }, (_, i) => {
      const v = verdictOf(kind, { faults: { latency }, withinQuota: true }, [0.5, 0, i / 1001, 0]);
      return v.kind === 'forward' ? v.delayMs : -1;
    });
    expect(Math.min(...delays)).toBe(150);
    expect(Math.max(...delays)).toBe(200);
  });

  it('faults only the operations it is told to', async () => {
    const p = await proxy({ faults: { serverError: 1, operations: ['CreateIntegration'] } });
    expect(status(await call(p, 'GET', '/v2/apis/a1/integrations'))).toBe(200);
    expect(status(await call(p, 'POST', '/v2/apis/a1/integrations', '{}'))).toBeGreaterThanOrEqual(500);
  });

  it('draws faults in the configured proportions', async () => {
    const p = await proxy({
      seed: 7,
      faults: { throttle: 0.1, conflict: 0.1, serverError: 0.1, drop: 0.1, lostResponse: 0.1 },
    });
    for (let i = 0; i < 1500; i++) await call(p, 'GET', `/v2/apis/a${i % 5}/integrations`);
    for (const outcome of [
      'injected_throttle',
      'injected_conflict',
      'injected_5xx',
      'dropped',
      'lost_response',
      'ok',
    ] as Outcome[]) {
      const expected = outcome === 'ok' ? 750 : 150;
      expect(Math.abs(p.count({ outcome }) - expected)).toBeLessThan(expected * 0.35);
    }
  });

  it('replays the same schedule from the same seed, and a different one from another seed', async () => {
    const run = async (seed: number) => {
      const p = await proxy({ seed, faults: { serverError: 0.2, drop: 0.1, lostResponse: 0.1, conflict: 0.1 } });
      const out: string[] = [];
      for (let i = 0; i < 80; i++) {
        await call(p, i % 2 ? 'POST' : 'GET', `/v2/apis/a${i % 3}/integrations`, '{}');
        out.push(p.records().at(-1)!.outcome);
      }
      return out.join(',');
    };
    const first = await run(42);
    expect(await run(42)).toBe(first);
    expect(await run(43)).not.toBe(first);
  });

  it('holds the answer while the forwarded hook runs, and tells it when the answer is to be lost', async () => {
    const events: string[] = [];
    const p = await proxy({
      onForwarded: async ({ record, lost }) => {
        events.push(`hook ${record.operation} lost=${lost}`);
        await new Promise((r) => setTimeout(r, 100));
      },
    });
    const r = call(p, 'POST', '/v2/apis/a1/integrations', '{}').then((x) => events.push(`reply ${status(x)}`));
    await r;
    expect(events).toEqual(['hook CreateIntegration lost=false', 'reply 200']);
  });
});

describe('seeded generator and audit', () => {
  it('is uniform enough and reproducible', () => {
    const a = seededRng(5);
    const b = seededRng(5);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
  });

  it('finds missing, duplicated and leaked integrations by ownership marker', () => {
    const inv = new Map([
      [
        'api1',
        [
          { integrationId: 'a', owner: 'u1', description: '[apigw.dev/owner=u1]' },
          { integrationId: 'b', owner: 'u2' },
          { integrationId: 'c', owner: 'u2' },
          { integrationId: 'd', description: 'hand made' },
        ],
      ],
      [
        'api2',
        [
          { integrationId: 'e', owner: 'u1' },
          { integrationId: 'f', owner: 'u9' },
        ],
      ],
    ]);
    const a = audit(
      inv,
      new Map([
        ['u1', 'api1'],
        ['u2', 'api1'],
        ['u3', 'api2'],
      ]),
    );
    expect(a.missing).toEqual(['u3']);
    expect(a.duplicates).toEqual([{ owner: 'u2', integrationIds: ['b', 'c'] }]);
    expect(a.leaks.map((l) => l.integrationId)).toEqual(['d', 'e', 'f']);
    expect(a.total).toBe(6);
  });
});

describe('fidelity: UpdateIntegration merge', () => {
  it('merges request parameters and removes keys sent as ""', () => {
    expect(mergeRequestParameters({ a: '1', b: '2', c: '3' }, { a: '9', b: '', d: '4' })).toEqual({
      a: '9',
      c: '3',
      d: '4',
    });
    expect(mergeRequestParameters(undefined, { a: '', b: '2' })).toEqual({ b: '2' });
    expect(mergeRequestParameters({ a: '1' }, { a: '' })).toEqual({});
  });

  it('removes status codes sent as {} and merges the inner maps of the others', () => {
    const current = { '200': { x: '1', y: '2' }, '404': { z: '3' }, '500': { w: '4' } };
    expect(mergeResponseParameters(current, { '200': { x: '9' }, '404': {}, '503': { v: '5' } })).toEqual({
      '200': { x: '9', y: '2' },
      '500': { w: '4' },
      '503': { v: '5' },
    });
    expect(mergeResponseParameters(undefined, { '200': {} })).toEqual({});
  });

  it('keeps a template sent as "" as an empty template', () => {
    expect(mergeRequestTemplates({ a: 'A', b: 'B' }, { b: '', c: 'C' })).toEqual({ a: 'A', b: '', c: 'C' });
  });

  it('sends moto full maps, leaves scalars and other fields as sent, and does not touch maps not sent', () => {
    const current = {
      requestParameters: { a: '1', b: '2' },
      responseParameters: { '200': { x: '1' } },
      requestTemplates: { t: 'T' },
      description: 'd',
    };
    expect(
      mergeIntegrationUpdate(current, {
        requestParameters: { b: '' },
        description: '',
        tlsConfig: {},
        integrationType: 'HTTP_PROXY',
      }),
    ).toEqual({
      body: { requestParameters: { a: '1' }, description: '', tlsConfig: {}, integrationType: 'HTTP_PROXY' },
    });
    expect(
      mergeIntegrationUpdate(current, { responseParameters: { '200': {} }, requestTemplates: { u: 'U' } }),
    ).toEqual({
      body: { responseParameters: {}, requestTemplates: { t: 'T', u: 'U' } },
    });
  });

  it('refuses a "" tombstone on a subtype integration and merges its other parameters', () => {
    const sqs = {
      integrationSubtype: 'SQS-SendMessage',
      requestParameters: { QueueUrl: 'q', MessageBody: 'm', DelaySeconds: '0' },
    };
    expect(
      mergeIntegrationUpdate(sqs, { requestParameters: { QueueUrl: 'q', MessageBody: 'm', DelaySeconds: '' } }),
    ).toEqual({ badRequest: SUBTYPE_TOMBSTONE_MESSAGE });
    expect(mergeIntegrationUpdate(sqs, { requestParameters: { MessageBody: 'n' } })).toEqual({
      body: { requestParameters: { QueueUrl: 'q', MessageBody: 'n', DelaySeconds: '0' } },
    });
    // The subtype the update leaves in place is the one that counts.
    expect(mergeIntegrationUpdate(sqs, { integrationSubtype: '', requestParameters: { a: '' } })).toEqual({
      body: { integrationSubtype: '', requestParameters: sqs.requestParameters },
    });
    expect(mergeIntegrationUpdate({}, { integrationSubtype: 'SQS-SendMessage', requestParameters: { a: '' } })).toEqual(
      { badRequest: SUBTYPE_TOMBSTONE_MESSAGE },
    );
  });
});

describe('fidelity: other rules', () => {
  it('fills the create defaults AWS reports, per protocol, without overriding what was sent', () => {
    expect(withCreateDefaults({ integrationType: 'MOCK' }, 'WEBSOCKET')).toEqual({
      integrationType: 'MOCK',
      timeoutInMillis: 29000,
      connectionType: 'INTERNET',
    });
    expect(withCreateDefaults({ integrationType: 'AWS_PROXY' }, 'HTTP')).toEqual({
      integrationType: 'AWS_PROXY',
      timeoutInMillis: 30000,
      connectionType: 'INTERNET',
    });
    expect(withCreateDefaults({ timeoutInMillis: 5000, connectionType: 'VPC_LINK' }, 'HTTP')).toEqual({
      timeoutInMillis: 5000,
      connectionType: 'VPC_LINK',
    });
  });

  it('finds the routes that target an integration and words the refusal like AWS', () => {
    const routes = [
      { routeId: 'r1', target: 'integrations/i1' },
      { routeId: 'r2', target: 'integrations/i2' },
      { routeId: 'r3', target: 'integrations/i1' },
      { routeId: 'r4' },
    ];
    expect(routesTargeting(routes, 'i1')).toEqual(['r1', 'r3']);
    expect(routesTargeting(routes, 'i9')).toEqual([]);
    expect(inUseMessage(['xrfucl1'])).toBe(
      'Cannot delete Integration because it is referenced by the following Routes with Ids: [xrfucl1]',
    );
    expect(inUseMessage(['r1', 'r2'])).toBe(
      'Cannot delete Integration because it is referenced by the following Routes with Ids: [r1, r2]',
    );
  });

  it('holds a late create unanswered until the next listing on its API has been answered', async () => {
    const late = lateCreateSignal((body) => body.description === 'late');
    const p = await proxy({ fidelity: true, lateCreate: late.lateCreate });
    const held = call(p, 'POST', '/v2/apis/a1/integrations', '{"description":"late"}');
    await late.held;
    // Held, not forwarded: given a while, it still has not reached the upstream.
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.filter((s) => s.method === 'POST')).toEqual([]);
    expect(status(await call(p, 'GET', '/v2/apis/a1/integrations'))).toBe(200);
    await expect(held).resolves.toEqual({ error: expect.stringMatching(/ECONNRESET|socket hang up/) });
    const posts = seen.filter((s) => s.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(JSON.parse(posts[0]!.body)).toEqual({
      description: 'late',
      timeoutInMillis: 30000,
      connectionType: 'INTERNET',
    });
    expect(p.count({ operation: 'CreateIntegration', outcome: 'late_create' })).toBe(1);
    expect(p.appliedWrites().map((w) => w.outcome)).toEqual(['late_create']);
  });

  it('forwards a late create after the longest hold when no listing comes, and drops it when closed', async () => {
    const p = await proxy({ lateCreate: () => true, lateCreateMaxDelayMs: 150 });
    await call(p, 'POST', '/v2/apis/a1/integrations', '{}');
    expect(seen.filter((s) => s.method === 'POST')).toHaveLength(1);
    const late = lateCreateSignal(() => true);
    const q = await proxy({ lateCreate: late.lateCreate });
    const held = call(q, 'POST', '/v2/apis/a1/integrations', '{}');
    await late.held;
    await q.close();
    await held;
    expect(seen.filter((s) => s.method === 'POST')).toHaveLength(1);
    expect(q.count({ outcome: 'dropped' })).toBe(1);
  });
});
