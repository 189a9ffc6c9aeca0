// What the fidelity rules share: how they reach the emulator (the client's own request, side reads
// and side writes with its credentials), how they answer in API Gateway's place, the JSON helpers
// and the emulator's paths. No rule lives here.
export interface UpstreamReply {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** How the rules reach the emulator: the client's own request, and side calls with its credentials. */
export interface Upstream {
  forward(body: Buffer): Promise<UpstreamReply>;
  get(path: string): Promise<UpstreamReply>;
  /** A side write the client did not send itself (what API Gateway does on its own, e.g. quick create). */
  write(method: string, path: string, body: unknown): Promise<UpstreamReply>;
}

export type FidelityOutcome =
  | 'fidelity_in_use'
  | 'fidelity_quota'
  | 'fidelity_not_found'
  | 'fidelity_bad_request'
  | 'fidelity_key_exists'
  | 'fidelity_throttled'
  | 'fidelity_denied';

export interface Answer {
  kind: 'answer';
  outcome: FidelityOutcome;
  status: number;
  type: string;
  message: string;
}

export type Exchange = { kind: 'upstream'; reply: UpstreamReply } | Answer;
export type Json = Record<string, unknown>;
export type StringMap = Record<string, string>;
export type Read = { json: Json } | Exchange;

export const answer = (outcome: FidelityOutcome, status: number, type: string, message: string): Answer => ({
  kind: 'answer',
  outcome,
  status,
  type,
  message,
});

export const badRequest = (message: string): Answer =>
  answer('fidelity_bad_request', 400, 'BadRequestException', message);

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Tells a rule's early answer from the thing it looked up (a stage, a deployment, a snapshot). */
export function isExchange(v: unknown): v is Exchange {
  return isObject(v) && ((v.kind === 'upstream' && 'reply' in v) || (v.kind === 'answer' && 'status' in v));
}

export function stringMap(v: unknown): StringMap {
  return isObject(v) ? (v as StringMap) : {};
}

export function parseObject(body: Buffer): Json | undefined {
  try {
    const v: unknown = JSON.parse(body.toString('utf8') || '{}');
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A 200 JSON answer the proxy composed itself (a page, an answer with fields added). */
export function jsonReply(json: unknown, from?: UpstreamReply): UpstreamReply {
  return {
    status: from?.status ?? 200,
    headers: { ...(from?.headers ?? {}), 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(json)),
  };
}

/** An answer the rules give in the emulator's place to a request they apply themselves (stages, deployments). */
export function composed(status: number, json?: unknown): Exchange {
  const body = json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(json));
  const headers: Record<string, string> = json === undefined ? {} : { 'content-type': 'application/json' };
  return { kind: 'upstream', reply: { status, headers, body } };
}

export const apiPath = (apiId: string) => `/v2/apis/${encodeURIComponent(apiId)}`;
export const integrationPath = (apiId: string, id: string) =>
  `${apiPath(apiId)}/integrations/${encodeURIComponent(id)}`;
export const routePath = (apiId: string, routeId: string) => `${apiPath(apiId)}/routes/${encodeURIComponent(routeId)}`;

/** The last segment of a request path: the id of `/v2/apis/{api}/integrations/{id}` and the like. */
export function lastSegmentOf(path: string): string {
  return decodeURIComponent(path.split('?', 1)[0]!.replace(/\/+$/, '').split('/').at(-1) ?? '');
}

export const integrationNotFoundMessage = (id: string) => `Invalid Integration identifier specified ${id}`;
export const routeNotFoundMessage = (id: string) => `Invalid Route identifier specified ${id}`;
export const apiNotFoundMessage = (apiId: string) => `Invalid API identifier specified ${apiId}`;

function messageOf(reply: UpstreamReply, fallback: string): string {
  const m = parseObject(reply.body)?.message;
  return typeof m === 'string' && m !== '' ? m : fallback;
}

export async function pass(up: Upstream, body: Buffer): Promise<Exchange> {
  return { kind: 'upstream', reply: await up.forward(body) };
}

/** A side read; a 404 becomes AWS's NotFoundException, other failures are passed on as they are. */
export async function read(up: Upstream, path: string, notFound: string): Promise<Read> {
  const reply = await up.get(path);
  if (reply.status === 404) return answer('fidelity_not_found', 404, 'NotFoundException', messageOf(reply, notFound));
  if (reply.status >= 300) return { kind: 'upstream', reply };
  return { json: parseObject(reply.body) ?? {} };
}

/** Every item of a listing, following nextToken (moto sends one page, AWS may send several). */
export async function readItems(up: Upstream, path: string, notFound: string): Promise<Json[] | Exchange> {
  const items: Json[] = [];
  let next: string | undefined;
  do {
    const page = await read(up, next ? `${path}?nextToken=${encodeURIComponent(next)}` : path, notFound);
    if (!('json' in page)) return page;
    if (Array.isArray(page.json.items)) items.push(...(page.json.items as Json[]));
    next = typeof page.json.nextToken === 'string' && page.json.nextToken !== '' ? page.json.nextToken : undefined;
  } while (next);
  return items;
}
