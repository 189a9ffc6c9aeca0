// The operator's lean use of client-node: main.ts's redirection keeps the generated models and API
// classes out of the process and still gives client-node's config module every name it imports;
// KubeRest sends JSON with client-node's authentication and fails with its ApiException.
import { describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { statusOf } from '../../../../src/adapters/kubernetes/errors.ts';
import { AUTH_REUSE_MS } from '../../../../src/adapters/kubernetes/connections.ts';
import { KubeRest, MERGE_PATCH } from '../../../../src/adapters/kubernetes/rest.ts';
import { listenWithKubeConfig } from '../../../support/local-kube.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..', '..');
const CLIENT_NODE = dirname(createRequire(join(ROOT, 'package.json')).resolve('@kubernetes/client-node/package.json'));

describe('lean loading of client-node', () => {
  it('gives config.js every name it imports from the generated index', async () => {
    const source = readFileSync(join(CLIENT_NODE, 'dist', 'config.js'), 'utf8');
    const imports = [...source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'\.\/gen\/index\.js'/g)];
    expect(imports).toHaveLength(1);
    const names = imports[0]![1]!
      .split(',')
      .map((n) => n.trim().split(/\s+as\s+/)[0]!)
      .filter(Boolean);
    const lean = await import('../../../../src/adapters/kubernetes/lean-gen.ts');
    expect(names.filter((n) => !(n in lean))).toEqual([]);
  });

  it('loads the operator without the generated models or API classes, and KubeConfig still works', () => {
    // A process of its own: resolution hooks are per process, and this is the order main.ts uses.
    const script = `
      import { registerHooks } from 'node:module';
      const loaded = [];
      registerHooks({ load(url, context, next) { if (url.includes('/client-node/dist/')) loaded.push(url.replace(/.*\\/client-node\\/dist\\//, '')); return next(url, context); } });
      const { loadKubernetesClientLean } = await import('./src/adapters/kubernetes/lean-load.ts');
      loadKubernetesClientLean();
      await import('./src/operator.ts');
      const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
      const kc = new KubeConfig();
      kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: true }], users: [{ name: 'u', token: 't' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
      console.log(JSON.stringify({ loaded, server: kc.getCurrentCluster().server }));
    `;
    const out = execFileSync(
      join(ROOT, 'node_modules', '.bin', 'node'),
      ['--no-warnings', '--input-type=module', '-e', script],
      { cwd: ROOT, encoding: 'utf8' },
    );
    const { loaded, server } = JSON.parse(out.trim().split('\n').at(-1)!) as { loaded: string[]; server: string };
    expect(server).toBe('https://127.0.0.1:6443');
    expect(loaded).toContain('config.js');
    expect(
      loaded.filter(
        (u) => u.startsWith('gen/models/') || u.startsWith('gen/types/') || u === 'gen/index.js' || u === 'index.js',
      ),
    ).toEqual([]);
  });
});

describe('KubeRest', () => {
  async function server(handler: (req: IncomingMessage, body: string) => { status: number; body: unknown }) {
    const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];
    const srv = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        const out = handler(req, body);
        res.writeHead(out.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(out.body));
      });
    });
    const kc = await listenWithKubeConfig(srv, 'token-1');
    return { kc, rest: new KubeRest(kc), seen, close: () => new Promise<void>((r) => srv.close(() => r())) };
  }

  it("sends JSON with the query, content type and client-node's credentials, and parses the answer", async () => {
    const s = await server(() => ({ status: 200, body: { kind: 'ApiIntegration', metadata: { name: 'a' } } }));
    try {
      const out = await s.rest.request<{ metadata: { name: string } }>(
        'PATCH',
        '/apis/g/v1/namespaces/ns/things/a/status',
        {
          body: { status: { x: 1 } },
          contentType: MERGE_PATCH,
          query: { fieldManager: 'apigw-operator', limit: undefined },
        },
      );
      expect(out.metadata.name).toBe('a');
      expect(s.seen[0]).toMatchObject({
        method: 'PATCH',
        url: '/apis/g/v1/namespaces/ns/things/a/status?fieldManager=apigw-operator',
        body: '{"status":{"x":1}}',
      });
      expect(s.seen[0]!.headers['content-type']).toBe(MERGE_PATCH);
      expect(s.seen[0]!.headers.authorization).toBe('Bearer token-1');
    } finally {
      await s.close();
    }
  });

  it("fails with the HTTP status and the Status body, as client-node's generated clients do", async () => {
    const s = await server(() => ({
      status: 409,
      body: { kind: 'Status', reason: 'Conflict', message: 'the object has been modified' },
    }));
    try {
      const err = (await s.rest.request('GET', '/api/v1/namespaces/x').catch((e: unknown) => e)) as {
        code: number;
        body: { reason: string };
        message: string;
      };
      expect(statusOf(err)).toBe(409);
      expect(err.body.reason).toBe('Conflict');
      expect(err.message).toContain('the object has been modified');
    } finally {
      await s.close();
    }
  });

  it('authenticates through client-node once per reuse period, shared by concurrent requests', async () => {
    const s = await server(() => ({ status: 200, body: {} }));
    const auth = jest.spyOn(s.kc, 'applySecurityAuthentication');
    const now = jest.spyOn(Date, 'now');
    try {
      await Promise.all(Array.from({ length: 5 }, () => s.rest.request('GET', '/api/v1/namespaces')));
      for (let i = 0; i < 5; i++) await s.rest.request('GET', '/api/v1/namespaces');
      expect(auth).toHaveBeenCalledTimes(1);
      expect(s.seen.every((r) => r.headers.authorization === 'Bearer token-1')).toBe(true);
      now.mockReturnValue(Date.now() + AUTH_REUSE_MS + 1);
      await s.rest.request('GET', '/api/v1/namespaces');
      expect(auth).toHaveBeenCalledTimes(2);
    } finally {
      now.mockRestore();
      auth.mockRestore();
      await s.close();
    }
  });

  it('after a 401 asks client-node again and sends once more; a credential refused twice fails with 401', async () => {
    let refusals = 0;
    const s = await server(() =>
      refusals-- > 0 ? { status: 401, body: { kind: 'Status', code: 401 } } : { status: 200, body: { ok: 1 } },
    );
    const auth = jest.spyOn(s.kc, 'applySecurityAuthentication');
    try {
      await s.rest.request('GET', '/api/v1/namespaces');
      expect(auth).toHaveBeenCalledTimes(1);
      refusals = 1;
      await expect(s.rest.request('PATCH', '/api/v1/namespaces/a', { body: { x: 2 } })).resolves.toEqual({ ok: 1 });
      expect(auth).toHaveBeenCalledTimes(2);
      expect(s.seen.slice(-2).map((r) => [r.method, r.body])).toEqual([
        ['PATCH', '{"x":2}'],
        ['PATCH', '{"x":2}'],
      ]);
      refusals = 2;
      await expect(s.rest.request('GET', '/api/v1/namespaces')).rejects.toMatchObject({ code: 401 });
      expect(auth).toHaveBeenCalledTimes(3);
    } finally {
      auth.mockRestore();
      await s.close();
    }
  });
});
