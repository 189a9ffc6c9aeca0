// The pooled KubeConfig view: one dispatcher per cluster and user for every request, auth headers
// still applied by client-node on each request, a new pool when the TLS material changes, and the
// caller's KubeConfig left as it was.
import { describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpMethod, KubeConfig, RequestContext, type User } from '@kubernetes/client-node';
import type { Agent } from 'undici';
import {
  closeKubeConnections,
  isPooled,
  kubeConnections,
  pooled,
} from '../../../../src/adapters/kubernetes/connections.ts';

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n').toString('base64');

function config(user: Partial<User> = { token: 'token-1' }, server = 'https://127.0.0.1:6443'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, caData: CA, skipTLSVerify: false }],
    users: [
      { name: 'u', ...user },
      { name: 'other', token: 'token-2' },
    ],
    contexts: [
      { name: 'ctx', cluster: 'c', user: 'u' },
      { name: 'other', cluster: 'c', user: 'other' },
    ],
    currentContext: 'ctx',
  });
  return kc;
}

async function request(kc: KubeConfig): Promise<RequestContext> {
  const ctx = new RequestContext('https://127.0.0.1:6443/api/v1/namespaces', HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  return ctx;
}

describe('pooled KubeConfig', () => {
  it("gives every request of one cluster and user the same dispatcher, and leaves the caller's config alone", async () => {
    const kc = config();
    const view = pooled(kc);
    const [a, b] = [await request(view), await request(view)];
    expect(a.getDispatcher()).toBeDefined();
    expect(b.getDispatcher()).toBe(a.getDispatcher());
    expect(a.getHeaders().Authorization).toBe('Bearer token-1');
    // client-node's own per-request behaviour, unchanged on the original object.
    expect((await request(kc)).getDispatcher()).not.toBe((await request(kc)).getDispatcher());
    expect(isPooled(kc)).toBe(false);
    await closeKubeConnections(view);
  });

  it('is one view per KubeConfig, and a view is not wrapped again', () => {
    const kc = config();
    expect(pooled(kc)).toBe(pooled(kc));
    expect(pooled(pooled(kc))).toBe(pooled(kc));
    const own = kubeConnections(kc);
    expect(pooled(own)).toBe(own);
    expect(own).not.toBe(pooled(kc));
  });

  it("reads the configuration through to the caller's KubeConfig", async () => {
    const kc = config();
    const view = pooled(kc);
    const first = await request(view);
    kc.setCurrentContext('other');
    const other = await request(view);
    expect(other.getHeaders().Authorization).toBe('Bearer token-2');
    expect(other.getDispatcher()).not.toBe(first.getDispatcher());
    await closeKubeConnections(view);
  });

  it('picks up a rotated ServiceAccount token file as client-node does (after 60 s), on the same connections', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'token-a');
    const view = pooled(config({ authProvider: { name: 'tokenFile', config: { tokenFile } } }));
    jest.useFakeTimers({ now: Date.now() });
    try {
      const a = await request(view);
      expect(a.getHeaders().Authorization).toBe('Bearer token-a');
      writeFileSync(tokenFile, 'token-b');
      jest.setSystemTime(Date.now() + 61_000);
      const b = await request(view);
      expect(b.getHeaders().Authorization).toBe('Bearer token-b');
      expect(b.getDispatcher()).toBe(a.getDispatcher());
    } finally {
      jest.useRealTimers();
    }
    await closeKubeConnections(view);
  });

  it('makes a new pool when the client certificate changes, and closes the old one', async () => {
    const kc = config({
      certData: Buffer.from('cert-1').toString('base64'),
      keyData: Buffer.from('key-1').toString('base64'),
    });
    const view = pooled(kc);
    const before = (await request(view)).getDispatcher() as Agent;
    expect((await request(view)).getDispatcher()).toBe(before);
    const user = kc.getCurrentUser() as { certData?: string };
    user.certData = Buffer.from('cert-2').toString('base64');
    const after = (await request(view)).getDispatcher() as Agent;
    expect(after).not.toBe(before);
    expect(before.closed).toBe(true);
    expect((await request(view)).getDispatcher()).toBe(after);
    await closeKubeConnections(view);
    expect(after.closed).toBe(true);
  });

  it("leaves a connection without TLS options (system CAs) to undici's global dispatcher, as client-node does", async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://kubernetes.example:6443', skipTLSVerify: false }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
      currentContext: 'ctx',
    });
    const ctx = await request(pooled(kc));
    expect(ctx.getDispatcher()).toBeUndefined();
    expect(ctx.getHeaders().Authorization).toBe('Bearer t');
  });

  it('refuses plain HTTP with TLS verification on, as client-node does', async () => {
    await expect(request(pooled(config({ token: 't' }, 'http://127.0.0.1:8080')))).rejects.toThrow(
      /HTTP protocol is not allowed/,
    );
  });
});
