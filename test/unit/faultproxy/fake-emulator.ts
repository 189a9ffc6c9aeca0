// A tiny in-memory stand-in for moto's API Gateway v2, for unit tests of the fault proxy: APIs,
// integrations, routes and stages, created, read, listed (always in one page, as moto does),
// updated (fields replaced, as moto does) and deleted (unknown ids included, with 200, as moto
// does). Writes can be slowed down to make them overlap.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;
interface Api {
  api: Json;
  integrations: Map<string, Json>;
  routes: Map<string, Json>;
  stages: Json[];
}

const COLLECTIONS = { integrations: 'integrationId', routes: 'routeId' } as const;

export class FakeEmulator {
  readonly apis = new Map<string, Api>();
  /** Every request, as `METHOD path`. */
  readonly requests: string[] = [];
  /** While set, writes are answered only once it settles (reads at once). */
  writesHeld: Promise<void> | undefined;
  private seq = 0;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
  }

  reset(): void {
    this.apis.clear();
    this.requests.length = 0;
    this.writesHeld = undefined;
  }

  /** What the emulator holds on an API, by collection. */
  items(apiId: string, collection: keyof typeof COLLECTIONS): Json[] {
    return [...(this.apis.get(apiId)?.[collection].values() ?? [])];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const c of req) text += (c as Buffer).toString();
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?', 1)[0]!;
    this.requests.push(`${method} ${path}`);
    if (method !== 'GET' && this.writesHeld) await this.writesHeld;
    const [status, body] = this.route(method, path.split('/').slice(3), text ? (JSON.parse(text) as Json) : {});
    const out = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(out)) });
    res.end(out);
  }

  private route(method: string, [apiId, collection, id]: string[], body: Json): [number, unknown] {
    if (apiId === undefined) return method === 'POST' ? [201, this.createApi(body)] : [200, { items: [] }];
    const api = this.apis.get(apiId);
    if (!api) return [404, { message: `Invalid API identifier specified ${apiId}` }];
    if (collection === undefined) {
      if (method === 'DELETE') this.apis.delete(apiId);
      return [200, api.api];
    }
    if (collection === 'stages') {
      api.stages.push(body);
      return [201, body];
    }
    const key = COLLECTIONS[collection as keyof typeof COLLECTIONS];
    const items = api[collection as keyof typeof COLLECTIONS];
    if (id === undefined) {
      if (method === 'GET') return [200, { items: [...items.values()] }];
      const item = { ...body, [key]: `${collection[0]}${++this.seq}` };
      items.set(String(item[key]), item);
      return [201, item];
    }
    const item = items.get(id);
    if (method === 'DELETE') {
      items.delete(id);
      return [204, {}];
    }
    if (!item) return [404, { message: `Invalid identifier specified ${id}` }];
    if (method === 'PATCH') Object.assign(item, body);
    return [200, item];
  }

  private createApi(body: Json): Json {
    const api = { ...body, apiId: `a${++this.seq}`, protocolType: body.protocolType ?? 'HTTP' };
    this.apis.set(String(api.apiId), { api, integrations: new Map(), routes: new Map(), stages: [] });
    return api;
  }
}
