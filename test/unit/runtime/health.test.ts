// Probe endpoints as the kubelet and Prometheus see them: 200 "ok" while every check passes,
// 500 naming the failing checks otherwise, and /metrics in the Prometheus text format.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { ProbeServer, parseBindAddress } from '../../../src/runtime/health.ts';

const servers: ProbeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(setup: (s: ProbeServer) => void, registry?: Registry) {
  const server = new ProbeServer({ registry });
  setup(server);
  servers.push(server);
  const port = await server.listen('127.0.0.1:0');
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
  };
  return { port, get };
}

describe('ProbeServer', () => {
  it('answers 200 ok when all checks pass', async () => {
    const { port, get } = await serve((s) => {
      s.addHealthzCheck('ping', () => true);
      s.addReadyzCheck('informer-synced', async () => true);
    });
    expect(port).toBeGreaterThan(0);
    expect(await get('/healthz')).toMatchObject({ status: 200, body: 'ok' });
    expect(await get('/readyz')).toMatchObject({ status: 200, body: 'ok' });
  });

  it('answers 500 naming the failing checks, and lists all with ?verbose', async () => {
    let synced = false;
    const { get } = await serve((s) => {
      s.addReadyzCheck('ping', () => undefined);
      s.addReadyzCheck('informer-synced', () => synced);
      s.addReadyzCheck('leader', () => {
        throw new Error('not yet');
      });
    });
    const res = await get('/readyz');
    expect(res.status).toBe(500);
    expect(res.body).toContain('[-]informer-synced failed');
    expect(res.body).toContain('[-]leader failed');
    expect(res.body).not.toContain('not yet');
    expect((await get('/readyz?exclude=leader&exclude=informer-synced')).status).toBe(200);
    synced = true;
    const verbose = await get('/readyz?verbose&exclude=leader');
    expect(verbose).toMatchObject({ status: 200 });
    expect(verbose.body).toBe('[+]informer-synced ok\n[+]ping ok\nreadyz check passed\n');
  });

  it('shows the reason of a readiness check registered to show it, on one line, and still withholds the others', async () => {
    const { get } = await serve((s) => {
      s.addReadyzCheck(
        'aws-identity',
        () => {
          throw new Error('AwsCredentials: no credentials;\ncheck the ServiceAccount');
        },
        { showFailure: true },
      );
      s.addReadyzCheck('leader', () => {
        throw new Error('lease held by someone-else');
      });
    });
    const res = await get('/readyz');
    expect(res.status).toBe(500);
    expect(res.body).toBe(
      '[-]aws-identity failed: AwsCredentials: no credentials; check the ServiceAccount\n' +
        '[-]leader failed: reason withheld\n' +
        'readyz check failed\n',
    );
  });

  it('runs a single named check, and 404s for unknown paths', async () => {
    const { get } = await serve((s) => {
      s.addHealthzCheck('ping', () => true);
      s.addHealthzCheck('broken', () => false);
    });
    expect(await get('/healthz/ping')).toMatchObject({ status: 200, body: 'ok' });
    expect((await get('/healthz/broken')).status).toBe(500);
    expect((await get('/healthz/nope')).status).toBe(404);
    expect((await get('/other')).status).toBe(404);
    expect((await get('/metrics')).status).toBe(404);
  });

  it('serves /metrics from the registry it was given', async () => {
    const registry = new Registry();
    const { get } = await serve(() => undefined, registry);
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/plain');
  });

  it('is disabled by address "0"', async () => {
    const server = new ProbeServer();
    expect(await server.listen('0')).toBeUndefined();
    await server.close();
  });
});

describe('parseBindAddress', () => {
  it('understands the controller-runtime address forms', () => {
    expect(parseBindAddress(':8081')).toEqual({ host: undefined, port: 8081 });
    expect(parseBindAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseBindAddress('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(parseBindAddress('0')).toBeUndefined();
    expect(parseBindAddress('')).toBeUndefined();
    expect(() => parseBindAddress('8081')).toThrow(RangeError);
    expect(() => parseBindAddress(':99999')).toThrow(RangeError);
  });
});
