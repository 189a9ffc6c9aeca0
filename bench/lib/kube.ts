// A small Kubernetes REST client for the benchmarks: one keep-alive connection pool, so the
// benchmark's own thousands of writes cost little and do not compete with the operator for CPU.
import { Agent, request } from 'node:https';
import { readFileSync } from 'node:fs';
import { PLURAL } from '../../src/api/v1alpha1/schema.ts';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import type { ApiIntegration } from '../../src/api/v1alpha1/types.ts';

export class KubeError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export class Kube {
  private readonly agent: Agent;
  private readonly base: URL;
  private readonly token: string;

  constructor(opts: { server: string; token: string; caFile: string }) {
    this.base = new URL(opts.server);
    this.token = opts.token;
    this.agent = new Agent({ keepAlive: true, maxSockets: 32, ca: readFileSync(opts.caFile) });
  }

  close(): void {
    this.agent.destroy();
  }

  request<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            if ((res.statusCode ?? 500) >= 400)
              return reject(
                new KubeError(res.statusCode ?? 500, `${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`),
              );
            resolve((text && res.headers['content-type']?.includes('json') ? JSON.parse(text) : text) as T);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Streams watch events until the server closes the stream or `signal` aborts. */
  watch(
    path: string,
    onEvent: (type: string, obj: Record<string, unknown>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method: 'GET',
          path,
          agent: false,
          ca: this.agent.options.ca,
          headers: { authorization: `Bearer ${this.token}` },
          signal,
        },
        (res) => {
          if ((res.statusCode ?? 500) >= 400) {
            res.resume();
            return reject(new KubeError(res.statusCode ?? 500, `watch ${path}: ${res.statusCode}`));
          }
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (line.trim()) {
                const ev = JSON.parse(line) as { type: string; object: Record<string, unknown> };
                onEvent(ev.type, ev.object);
              }
            }
          });
          res.on('end', () => resolve());
          res.on('error', (e) => (signal.aborted ? resolve() : reject(e)));
        },
      );
      req.on('error', (e) => (signal.aborted ? resolve() : reject(e)));
      req.end();
    });
  }
}

export const crPath = (namespace: string, name?: string, sub?: string) =>
  `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}${name ? `/${name}` : ''}${sub ? `/${sub}` : ''}`;

export function createObject(
  kube: Kube,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
): Promise<ApiIntegration> {
  return kube.request('POST', crPath(namespace), {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'ApiIntegration',
    metadata: { name, ...metadata },
    spec,
  });
}

export function mergePatch(kube: Kube, path: string, body: unknown): Promise<ApiIntegration> {
  return kube.request('PATCH', path, body, 'application/merge-patch+json');
}

export async function createNamespace(kube: Kube, name: string): Promise<void> {
  await kube.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/**
 * Mutating requests the API server has served (apiserver_request_total with verb POST, PUT, PATCH
 * or DELETE), by `resource[/subresource] VERB`: e.g. `apiintegrations PATCH` (metadata: finalizer,
 * annotations), `apiintegrations/status PATCH`, `events POST`. Counted by the API server itself,
 * whatever the client, and summed over response codes (a 409 is a write the client sent too).
 */
export async function writeCounts(kube: Kube): Promise<Map<string, number>> {
  const text = await kube.request<string>('GET', '/metrics');
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!WRITE_VERBS.includes(labels.verb ?? '')) continue;
    const key = `${labels.subresource ? `${labels.resource}/${labels.subresource}` : labels.resource!} ${labels.verb}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

const WRITE_VERBS = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** What changed between two writeCounts readings, without the keys that did not move. */
export function writeDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of after) if (v - (before.get(k) ?? 0) > 0) out[k] = v - (before.get(k) ?? 0);
  return out;
}
