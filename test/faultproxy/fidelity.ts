// The fidelity rules of the fault proxy: where moto answers differently from real API Gateway v2,
// the proxy answers (or reshapes the request) the way API Gateway does, so the operator meets the
// real service's behaviour in every test. Each rule cites the public source it is modelled on; where
// the real behaviour is not established, the rule models the outcome that is hardest on the operator
// and says so. The pure functions are exported for unit tests; `Fidelity` holds the little state the
// rules need (protocol cache, per-API write order). Creates that complete after the client gave up
// are a deterministic fault of the proxy (FaultProxyOptions.lateCreate), not a rule here.
import type { RequestKind } from './operations.ts';

export interface FidelityOptions {
  /** Integrations an API may hold; CreateIntegration beyond it is refused. Default 300. */
  integrationsPerApi?: number;
  /**
   * GetRoutes answered in pages of at most this many items (and of `maxResults` when smaller), with
   * a nextToken, as AWS pages its listings (model: GetRoutes takes maxResults and nextToken); moto
   * answers everything in one page (reference §2.7), so a client's page loop is never exercised.
   * Off by default: AWS's own page size is not established.
   */
  routesPageSize?: number;
}

export interface UpstreamReply {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** How the rules reach the emulator: the client's own request, and side reads with its credentials. */
export interface Upstream {
  forward(body: Buffer): Promise<UpstreamReply>;
  get(path: string): Promise<UpstreamReply>;
}

export type FidelityOutcome =
  'fidelity_in_use' | 'fidelity_quota' | 'fidelity_not_found' | 'fidelity_bad_request' | 'fidelity_key_exists';

export interface Answer {
  kind: 'answer';
  outcome: FidelityOutcome;
  status: number;
  type: string;
  message: string;
}

export type Exchange = { kind: 'upstream'; reply: UpstreamReply } | Answer;

type Json = Record<string, unknown>;
type StringMap = Record<string, string>;

export const DEFAULT_INTEGRATIONS_PER_API = 300;

// ---- messages, as real API Gateway words them ----

/**
 * DeleteIntegration of an integration a route targets. Seen on real AWS with one route id
 * (`[xrfucl1]`): milliHQ/terraform-aws-next-js#247, and the reason for
 * terraform-aws-modules/terraform-aws-apigateway-v2 PR #55. Several ids are joined with ", ".
 */
export function inUseMessage(routeIds: string[]): string {
  return `Cannot delete Integration because it is referenced by the following Routes with Ids: [${routeIds.join(', ')}]`;
}

/**
 * Per-API quota, in the shape API Gateway uses for them: anomalyco/sst#4522 shows "Maximum number
 * of Authorizers for this API has been reached" as ConflictException with status 429. The limit
 * (300, not raisable for HTTP APIs) is from "Quotas for configuring and running an HTTP API".
 */
export const QUOTA_MESSAGE = 'Maximum number of Integrations for this API has been reached';

/** A removal tombstone on a service (subtype) integration: terraform-provider-aws#50061. */
export const SUBTYPE_TOMBSTONE_MESSAGE =
  'Invalid selection expression specified: Validation Result: warnings : [], errors : [Mapping expression missing source or destination]';

export const integrationNotFoundMessage = (id: string) => `Invalid Integration identifier specified ${id}`;
export const routeNotFoundMessage = (id: string) => `Invalid Route identifier specified ${id}`;

/**
 * CreateRoute (or UpdateRoute) with a key another route on the API has: 409 ConflictException, in
 * these words, on real AWS through CloudFormation ("Route with key $connect already exists for this
 * API (Service: AmazonApiGatewayV2; Status Code: 409; Error Code: ConflictException)",
 * serverless/serverless#7260; "ANY /{proxy+}" in anomalyco/sst#5031). The API reference lists
 * CreateRoute's and UpdateRoute's 409 as "The resource already exists". moto creates a second route.
 */
export const routeKeyExistsMessage = (routeKey: string) => `Route with key ${routeKey} already exists for this API`;

/**
 * A request parameter DeleteRouteRequestParameter does not find. AWS's answer is not established; the
 * API reference lists 404 NotFoundException for the operation, and that is the answer modelled: the
 * one an operator that deletes "until gone" must treat as done. moto fails it with a 500 (KeyError).
 */
export const requestParameterNotFoundMessage = (key: string) => `Invalid RequestParameter identifier specified ${key}`;
export const apiNotFoundMessage = (apiId: string) => `Invalid API identifier specified ${apiId}`;

// ---- pure rules ----

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown): StringMap {
  return isObject(v) ? (v as StringMap) : {};
}

/**
 * UpdateIntegration requestParameters on AWS: keys not sent are kept, a key sent as "" is removed
 * (developer guide "Transforming API requests and responses", "Remove configured parameter
 * mappings"). moto replaces the whole map, so the proxy sends it the merged one.
 */
export function mergeRequestParameters(current: unknown, sent: StringMap): StringMap {
  const out: StringMap = { ...stringMap(current) };
  for (const [k, v] of Object.entries(sent)) {
    if (v === '') delete out[k];
    else out[k] = v;
  }
  return out;
}

/**
 * UpdateIntegration responseParameters on AWS: a status code sent as {} is removed (same guide
 * section); status codes not sent are kept. A key left out *inside* a kept status code is kept too:
 * that inner merge is NOT verified on real AWS (aws-semantics-review finding #4) and is modelled
 * pessimistically, so an operator that relies on replacement of the inner map sees the stale key.
 */
export function mergeResponseParameters(current: unknown, sent: Record<string, StringMap>): Record<string, StringMap> {
  const out: Record<string, StringMap> = {};
  for (const [code, inner] of Object.entries(isObject(current) ? current : {})) out[code] = { ...stringMap(inner) };
  for (const [code, inner] of Object.entries(sent)) {
    if (Object.keys(stringMap(inner)).length === 0) delete out[code];
    else out[code] = { ...out[code], ...stringMap(inner) };
  }
  return out;
}

/**
 * UpdateIntegration requestTemplates: merged like every other field (go-to-k/cdkd#1163), and a
 * template sent as "" is stored as an empty template, not removed: the model types template bodies
 * as StringWithLengthBetween0And32K, and terraform-provider-aws's integration_test.go reads
 * `request_templates = {"application/json" = ""}` back as "" from real AWS.
 */
export function mergeRequestTemplates(current: unknown, sent: StringMap): StringMap {
  return { ...stringMap(current), ...sent };
}

function hasTombstone(params: StringMap): boolean {
  return Object.values(params).some((v) => v === '');
}

/**
 * The body to hand moto so that its replace-on-update yields what AWS's merge-on-update yields, or
 * the 400 AWS gives. Scalars ("" clears), tlsConfig ({} clears), integrationType and
 * integrationSubtype (updatable in place: CloudFormation's AWS::ApiGatewayV2::Integration schema
 * lists only ApiId as create-only) already behave like AWS in moto and pass through unchanged.
 */
export function mergeIntegrationUpdate(current: Json, sent: Json): { body: Json } | { badRequest: string } {
  const subtype = 'integrationSubtype' in sent ? sent.integrationSubtype : current.integrationSubtype;
  const body: Json = { ...sent };
  if (isObject(sent.requestParameters)) {
    const params = stringMap(sent.requestParameters);
    // Service-integration parameters are action parameters, not mappings: API Gateway refuses the
    // "" tombstone (terraform-provider-aws#50061). Keys simply left out are kept, as for mappings;
    // that is not verified on AWS and is the pessimistic reading.
    if (typeof subtype === 'string' && subtype !== '' && hasTombstone(params))
      return { badRequest: SUBTYPE_TOMBSTONE_MESSAGE };
    body.requestParameters = mergeRequestParameters(current.requestParameters, params);
  }
  if (isObject(sent.responseParameters))
    body.responseParameters = mergeResponseParameters(
      current.responseParameters,
      sent.responseParameters as Record<string, StringMap>,
    );
  if (isObject(sent.requestTemplates))
    body.requestTemplates = mergeRequestTemplates(current.requestTemplates, stringMap(sent.requestTemplates));
  return { body };
}

/**
 * Defaults as AWS reports them when CreateIntegration leaves them out: timeoutInMillis 30000 on
 * HTTP APIs and 29000 on WebSocket APIs whatever the type (developer guide quotas pages; moto picks
 * by type instead), and connectionType INTERNET (model: "The default value is INTERNET").
 */
export function withCreateDefaults(body: Json, protocol: string): Json {
  const out: Json = { ...body };
  if (out.timeoutInMillis === undefined) out.timeoutInMillis = protocol === 'WEBSOCKET' ? 29_000 : 30_000;
  if (out.connectionType === undefined) out.connectionType = 'INTERNET';
  return out;
}

/**
 * UpdateRoute requestModels: merged like UpdateIntegration's string maps, a model sent as "" removed
 * (go-to-k/cdkd probed UpdateRoute's merge on AWS, #1160, and removes map keys with "" as for
 * integration parameter mappings). moto replaces the whole map, so the proxy sends it the merged one.
 */
export function mergeRequestModels(current: unknown, sent: StringMap): StringMap {
  return mergeRequestParameters(current, sent);
}

/**
 * UpdateRoute requestParameters (`$connect` constraints): keys not sent are kept and sent keys are
 * set; none is removed, which takes DeleteRouteRequestParameter (cdkd live probe, #1160; Terraform's
 * aws_apigatewayv2_route deletes removed keys the same way). moto replaces the whole map.
 */
export function mergeRouteRequestParameters(current: unknown, sent: Json): Json {
  return { ...(isObject(current) ? current : {}), ...sent };
}

/** The body to hand moto so that its replace-on-update yields AWS's merge-on-update. */
export function mergeRouteUpdate(current: Json, sent: Json): Json {
  const body: Json = { ...sent };
  if (isObject(sent.requestModels))
    body.requestModels = mergeRequestModels(current.requestModels, stringMap(sent.requestModels));
  if (isObject(sent.requestParameters))
    body.requestParameters = mergeRouteRequestParameters(current.requestParameters, sent.requestParameters);
  return body;
}

/** The route, other than `self`, that already has this key. */
export function routeWithKey(routes: Json[], routeKey: unknown, self?: string): string | undefined {
  if (typeof routeKey !== 'string') return undefined;
  const found = routes.find((r) => r.routeKey === routeKey && r.routeId !== self);
  return found ? String(found.routeId) : undefined;
}

/** The integration id a route target names (`integrations/<id>`), if it names one. */
export function targetIntegrationOf(target: unknown): string | undefined {
  return typeof target === 'string' && target.startsWith('integrations/')
    ? target.slice('integrations/'.length)
    : undefined;
}

/** Ids of the routes whose target is this integration. */
export function routesTargeting(routes: Json[], integrationId: string): string[] {
  return routes.filter((r) => r.target === `integrations/${integrationId}`).map((r) => String(r.routeId));
}

export function parseObject(body: Buffer): Json | undefined {
  try {
    const v: unknown = JSON.parse(body.toString('utf8') || '{}');
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Route fields an UpdateRoute clears on AWS but moto cannot: moto's Route.update skips a falsy
 * target, modelSelectionExpression, authorizationScopes or requestModels, so "" / [] / {} leave the
 * old value. AWS clears them: authorizationScopes with [] (go-to-k/cdkd#1160, probed on AWS), target
 * and modelSelectionExpression with "" (terraform-provider-aws sends "" when they are removed from
 * aws_apigatewayv2_route), and requestModels once its last model is removed with "" (merge above).
 * The proxy remembers what was cleared and leaves it out of every answer about the route, until an
 * update sets it again.
 */
const CLEARED_BY: Record<string, (v: unknown) => boolean> = {
  target: (v) => v === '',
  modelSelectionExpression: (v) => v === '',
  authorizationScopes: (v) => Array.isArray(v) && v.length === 0,
  requestModels: (v) => isObject(v) && Object.keys(v).length === 0,
};

export class RouteClears {
  private readonly cleared = new Map<string, Set<string>>();

  /** Records what an UpdateRoute body (after merging) clears or sets again. */
  note(apiId: string, routeId: string, body: Json): void {
    const key = `${apiId}/${routeId}`;
    const fields = this.cleared.get(key) ?? new Set<string>();
    for (const [field, clears] of Object.entries(CLEARED_BY)) {
      if (!(field in body)) continue;
      if (clears(body[field])) fields.add(field);
      else fields.delete(field);
    }
    if (fields.size > 0) this.cleared.set(key, fields);
    else this.cleared.delete(key);
  }

  /** The route as AWS would report it. */
  apply(apiId: string, route: Json): Json {
    const fields = this.cleared.get(`${apiId}/${String(route.routeId)}`);
    if (!fields) return route;
    const out = { ...route };
    for (const f of fields) delete out[f];
    return out;
  }

  /** Forgets a deleted route, or every route of a deleted API. */
  forget(apiId: string, routeId?: string): void {
    for (const key of [...this.cleared.keys()])
      if (routeId === undefined ? key.startsWith(`${apiId}/`) : key === `${apiId}/${routeId}`) this.cleared.delete(key);
  }

  /** A GetRoute / UpdateRoute / GetRoutes answer with the cleared fields left out. */
  reply(apiId: string, reply: UpstreamReply): UpstreamReply {
    const json = reply.status < 300 ? parseObject(reply.body) : undefined;
    if (!json || this.cleared.size === 0) return reply;
    const out = Array.isArray(json.items)
      ? { ...json, items: (json.items as Json[]).map((r) => this.apply(apiId, r)) }
      : this.apply(apiId, json);
    return { ...reply, body: Buffer.from(JSON.stringify(out)) };
  }
}

// ---- the stateful part ----

const answer = (outcome: FidelityOutcome, status: number, type: string, message: string): Answer => ({
  kind: 'answer',
  outcome,
  status,
  type,
  message,
});

function integrationIdOf(path: string): string {
  return decodeURIComponent(path.split('?', 1)[0]!.replace(/\/+$/, '').split('/').at(-1) ?? '');
}

const apiPath = (apiId: string) => `/v2/apis/${encodeURIComponent(apiId)}`;
const routePath = (apiId: string, routeId: string) => `${apiPath(apiId)}/routes/${encodeURIComponent(routeId)}`;

/** The route id and parameter key of `/v2/apis/{api}/routes/{route}/requestparameters/{key}`. */
function requestParameterOf(path: string): [string, string] {
  const parts = path.split('?', 1)[0]!.replace(/\/+$/, '').split('/');
  return [decodeURIComponent(parts.at(-3) ?? ''), decodeURIComponent(parts.at(-1) ?? '')];
}

function messageOf(reply: UpstreamReply, fallback: string): string {
  const m = parseObject(reply.body)?.message;
  return typeof m === 'string' && m !== '' ? m : fallback;
}

type Read = { json: Json } | Exchange;

export class Fidelity {
  private readonly opts: FidelityOptions;
  /** Protocol per API id: it cannot change after CreateApi. */
  private readonly protocols = new Map<string, string>();
  private readonly locks = new Map<string, Promise<void>>();
  private readonly clears = new RouteClears();

  constructor(opts: FidelityOptions) {
    this.opts = opts;
  }

  /**
   * Runs one request through the rules. Writes on one API are taken one at a time, so that a rule's
   * read and the write it guards see the same state (API Gateway serialises them too).
   */
  exchange(kind: RequestKind, path: string, body: Buffer, up: Upstream): Promise<Exchange> {
    if (!kind.write) return this.readRule(kind, path, body, up);
    if (kind.apiId === undefined) return this.pass(up, body);
    const apiId = kind.apiId;
    return this.exclusive(apiId, () => this.applyRule({ operation: kind.operation, apiId, path }, body, up));
  }

  private applyRule(
    req: { operation: string; apiId: string; path: string },
    body: Buffer,
    up: Upstream,
  ): Promise<Exchange> {
    const { apiId, path } = req;
    switch (req.operation) {
      case 'CreateIntegration':
        return this.create(apiId, body, up);
      case 'UpdateIntegration':
        return this.update(apiId, integrationIdOf(path), body, up);
      case 'DeleteIntegration':
        return this.delete(apiId, integrationIdOf(path), body, up);
      case 'DeleteApi':
        return this.deleteApi(apiId, body, up);
      case 'CreateRoute':
        return this.createRoute(apiId, body, up);
      case 'UpdateRoute':
        return this.updateRoute(apiId, integrationIdOf(path), body, up);
      case 'DeleteRoute':
        return this.deleteRoute(apiId, integrationIdOf(path), body, up);
      case 'DeleteRouteRequestParameter':
        return this.deleteRequestParameter(apiId, path, body, up);
      default:
        return this.pass(up, body);
    }
  }

  private async create(apiId: string, body: Buffer, up: Upstream): Promise<Exchange> {
    const protocol = await this.protocolOf(apiId, up);
    if (typeof protocol !== 'string') return protocol;
    const existing = await this.readItems(
      up,
      `/v2/apis/${encodeURIComponent(apiId)}/integrations`,
      apiNotFoundMessage(apiId),
    );
    if (!Array.isArray(existing)) return existing;
    if (existing.length >= (this.opts.integrationsPerApi ?? DEFAULT_INTEGRATIONS_PER_API))
      return answer('fidelity_quota', 429, 'ConflictException', QUOTA_MESSAGE);
    const sent = parseObject(body);
    return this.pass(up, sent ? Buffer.from(JSON.stringify(withCreateDefaults(sent, protocol))) : body);
  }

  private async update(apiId: string, id: string, body: Buffer, up: Upstream): Promise<Exchange> {
    // moto answers an unknown id with a 500 HTML page (reference §2.6); AWS with this 404.
    const current = await this.read(
      up,
      `/v2/apis/${encodeURIComponent(apiId)}/integrations/${encodeURIComponent(id)}`,
      integrationNotFoundMessage(id),
    );
    if (!('json' in current)) return current;
    const sent = parseObject(body);
    if (!sent) return this.pass(up, body);
    const merged = mergeIntegrationUpdate(current.json, sent);
    if ('badRequest' in merged) return answer('fidelity_bad_request', 400, 'BadRequestException', merged.badRequest);
    return this.pass(up, Buffer.from(JSON.stringify(merged.body)));
  }

  private async delete(apiId: string, id: string, body: Buffer, up: Upstream): Promise<Exchange> {
    // moto deletes an unknown id with 200 (reference §2.6); AWS answers 404.
    const current = await this.read(
      up,
      `/v2/apis/${encodeURIComponent(apiId)}/integrations/${encodeURIComponent(id)}`,
      integrationNotFoundMessage(id),
    );
    if (!('json' in current)) return current;
    const routes = await this.readItems(up, `/v2/apis/${encodeURIComponent(apiId)}/routes`, apiNotFoundMessage(apiId));
    if (!Array.isArray(routes)) return routes;
    const using = routesTargeting(
      routes.map((r) => this.clears.apply(apiId, r)),
      id,
    );
    if (using.length > 0) return answer('fidelity_in_use', 409, 'ConflictException', inUseMessage(using));
    return this.pass(up, body);
  }

  private async deleteApi(apiId: string, body: Buffer, up: Upstream): Promise<Exchange> {
    // moto deletes an unknown API with 200; AWS answers 404 as for every other call on it.
    const current = await this.read(up, `/v2/apis/${encodeURIComponent(apiId)}`, apiNotFoundMessage(apiId));
    if (!('json' in current)) return current;
    this.protocols.delete(apiId);
    this.clears.forget(apiId);
    return this.pass(up, body);
  }

  private async createRoute(apiId: string, body: Buffer, up: Upstream): Promise<Exchange> {
    const sent = parseObject(body) ?? {};
    const refused = await this.routeRefusal(apiId, sent, up);
    return refused ?? this.pass(up, body);
  }

  private async updateRoute(apiId: string, routeId: string, body: Buffer, up: Upstream): Promise<Exchange> {
    const current = await this.read(up, routePath(apiId, routeId), routeNotFoundMessage(routeId));
    if (!('json' in current)) return current;
    const sent = parseObject(body);
    if (!sent) return this.pass(up, body);
    const refused = await this.routeRefusal(apiId, sent, up, routeId);
    if (refused) return refused;
    const merged = mergeRouteUpdate(this.clears.apply(apiId, current.json), sent);
    const done = await up.forward(Buffer.from(JSON.stringify(merged)));
    if (done.status < 300) this.clears.note(apiId, routeId, merged);
    return { kind: 'upstream', reply: this.clears.reply(apiId, done) };
  }

  /**
   * What AWS refuses in a route write that moto takes: a key another route has (409, above), and a
   * target naming an integration the API does not have. For the latter AWS's exact answer is not
   * established; the API reference lists 404 NotFoundException for both operations, and that is
   * modelled, in AWS's words for a missing integration: the 404 an adapter could mistake for "the
   * API is gone" is the harder case for the operator.
   */
  private async routeRefusal(apiId: string, sent: Json, up: Upstream, self?: string): Promise<Exchange | undefined> {
    if (sent.routeKey !== undefined) {
      const routes = await this.readItems(up, `${apiPath(apiId)}/routes`, apiNotFoundMessage(apiId));
      if (!Array.isArray(routes)) return routes;
      if (routeWithKey(routes, sent.routeKey, self) !== undefined)
        return answer('fidelity_key_exists', 409, 'ConflictException', routeKeyExistsMessage(String(sent.routeKey)));
    }
    const integrationId = targetIntegrationOf(sent.target);
    if (integrationId === undefined) return undefined;
    const integration = await this.read(
      up,
      `${apiPath(apiId)}/integrations/${encodeURIComponent(integrationId)}`,
      integrationNotFoundMessage(integrationId),
    );
    return 'json' in integration ? undefined : integration;
  }

  private async deleteRoute(apiId: string, routeId: string, body: Buffer, up: Upstream): Promise<Exchange> {
    // moto deletes an unknown route id with 200 (`pop(id, None)`); AWS answers 404 as for integrations.
    const current = await this.read(up, routePath(apiId, routeId), routeNotFoundMessage(routeId));
    if (!('json' in current)) return current;
    this.clears.forget(apiId, routeId);
    return this.pass(up, body);
  }

  private async deleteRequestParameter(apiId: string, path: string, body: Buffer, up: Upstream): Promise<Exchange> {
    const [routeId, key] = requestParameterOf(path);
    const current = await this.read(up, routePath(apiId, routeId), routeNotFoundMessage(routeId));
    if (!('json' in current)) return current;
    const params = current.json.requestParameters;
    if (!isObject(params) || !(key in params))
      return answer('fidelity_not_found', 404, 'NotFoundException', requestParameterNotFoundMessage(key));
    return this.pass(up, body);
  }

  /** One page of the full listing; the token is the offset of the next item. */
  /** Reads pass, except that route answers leave out what moto could not clear, and may come in pages. */
  private async readRule(kind: RequestKind, path: string, body: Buffer, up: Upstream): Promise<Exchange> {
    const apiId = kind.apiId;
    if (apiId === undefined || (kind.operation !== 'GetRoute' && kind.operation !== 'GetRoutes'))
      return this.pass(up, body);
    const pageSize = kind.operation === 'GetRoutes' ? this.opts.routesPageSize : undefined;
    const got = pageSize ? await this.page(path, pageSize, up) : await this.pass(up, body);
    return got.kind === 'upstream' ? { kind: 'upstream', reply: this.clears.reply(apiId, got.reply) } : got;
  }

  private async page(path: string, pageSize: number, up: Upstream): Promise<Exchange> {
    const url = new URL(path, 'http://proxy');
    const all = await up.get(url.pathname);
    if (all.status >= 300) return { kind: 'upstream', reply: all };
    const items = (parseObject(all.body)?.items as Json[] | undefined) ?? [];
    const from = Number(url.searchParams.get('nextToken') ?? 0) || 0;
    const size = Math.min(pageSize, Number(url.searchParams.get('maxResults')) || pageSize);
    const next = from + size < items.length ? String(from + size) : undefined;
    const text = JSON.stringify({ items: items.slice(from, from + size), ...(next ? { nextToken: next } : {}) });
    return {
      kind: 'upstream',
      reply: { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(text) },
    };
  }

  private async protocolOf(apiId: string, up: Upstream): Promise<string | Exchange> {
    const known = this.protocols.get(apiId);
    if (known) return known;
    const api = await this.read(up, `/v2/apis/${encodeURIComponent(apiId)}`, apiNotFoundMessage(apiId));
    if (!('json' in api)) return api;
    const protocol = String(api.json.protocolType ?? 'HTTP');
    this.protocols.set(apiId, protocol);
    return protocol;
  }

  private async pass(up: Upstream, body: Buffer): Promise<Exchange> {
    return { kind: 'upstream', reply: await up.forward(body) };
  }

  /** A side read; a 404 becomes AWS's NotFoundException, other failures are passed on as they are. */
  private async read(up: Upstream, path: string, notFound: string): Promise<Read> {
    const reply = await up.get(path);
    if (reply.status === 404) return answer('fidelity_not_found', 404, 'NotFoundException', messageOf(reply, notFound));
    if (reply.status >= 300) return { kind: 'upstream', reply };
    return { json: parseObject(reply.body) ?? {} };
  }

  /** Every item of a listing, following nextToken (moto sends one page, AWS may send several). */
  private async readItems(up: Upstream, path: string, notFound: string): Promise<Json[] | Exchange> {
    const items: Json[] = [];
    let next: string | undefined;
    do {
      const page = await this.read(up, next ? `${path}?nextToken=${encodeURIComponent(next)}` : path, notFound);
      if (!('json' in page)) return page;
      if (Array.isArray(page.json.items)) items.push(...(page.json.items as Json[]));
      next = typeof page.json.nextToken === 'string' && page.json.nextToken !== '' ? page.json.nextToken : undefined;
    } while (next);
    return items;
  }

  private async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(key) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((r) => (release = r));
    const tail = before.then(() => mine);
    this.locks.set(key, tail);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }
}
