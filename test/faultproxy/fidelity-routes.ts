// The fidelity rules for routes (see fidelity.ts for the frame): where moto takes a route write that
// API Gateway refuses, or replaces where AWS merges, the proxy answers as AWS does. Each rule cites
// its public source; where AWS's behaviour is not established the rule models the outcome hardest on
// the operator and says so.
import type { ManagedResources } from './quick-create.ts';
import { managedRouteKeyMessage } from './quick-create.ts';
import {
  answer,
  apiNotFoundMessage,
  apiPath,
  badRequest,
  integrationNotFoundMessage,
  integrationPath,
  isObject,
  parseObject,
  pass,
  read,
  readItems,
  routeNotFoundMessage,
  routePath,
  stringMap,
  type Exchange,
  type Json,
  type StringMap,
  type Upstream,
  type UpstreamReply,
} from './wire.ts';

export const DEFAULT_ROUTES_PER_API = 300;

// ---- messages, as real API Gateway words them ----

/**
 * CreateRoute (or UpdateRoute) with a key another route on the API has: 409 ConflictException, in
 * these words, on real AWS through CloudFormation ("Route with key $connect already exists for this
 * API (Service: AmazonApiGatewayV2; Status Code: 409; Error Code: ConflictException)",
 * serverless/serverless#7260; "ANY /{proxy+}" in anomalyco/sst#5031). The API reference lists
 * CreateRoute's and UpdateRoute's 409 as "The resource already exists". moto creates a second route.
 */
export const routeKeyExistsMessage = (routeKey: string) => `Route with key ${routeKey} already exists for this API`;

/**
 * Routes per API: 300 ("Routes per API | 300 | Yes" on the HTTP API quotas page,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html). AWS answers
 * its per-API quotas with HTTP 429 and the name ConflictException, worded "Maximum number of
 * <Things> for this API has been reached.  Please contact AWS if you need additional <Things>."
 * (two spaces: the integrations wording in serverless/serverless-websockets-plugin#22, the
 * authorizers one in anomalyco/sst#4522); no log of the routes wording was found, so it is that
 * shape with Routes.
 */
export const ROUTES_QUOTA_MESSAGE =
  'Maximum number of Routes for this API has been reached.  Please contact AWS if you need additional Routes.';

/**
 * A request parameter DeleteRouteRequestParameter does not find. AWS's answer is not established; the
 * API reference lists 404 NotFoundException for the operation, and that is the answer modelled: the
 * one an operator that deletes "until gone" must treat as done. moto fails it with a 500 (KeyError).
 */
export const requestParameterNotFoundMessage = (key: string) => `Invalid RequestParameter identifier specified ${key}`;

// ---- pure rules ----

/**
 * UpdateRoute requestModels: merged like UpdateIntegration's string maps, a model sent as "" removed
 * (go-to-k/cdkd probed UpdateRoute's merge on AWS, #1160, and removes map keys with "" as for
 * integration parameter mappings). moto replaces the whole map, so the proxy sends it the merged one.
 */
export function mergeRequestModels(current: unknown, sent: StringMap): StringMap {
  const out: StringMap = { ...stringMap(current) };
  for (const [k, v] of Object.entries(sent)) {
    if (v === '') delete out[k];
    else out[k] = v;
  }
  return out;
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

  /** A GetRoute / UpdateRoute / GetRoutes answer (as JSON) with the cleared fields left out. */
  applyAnswer(apiId: string, json: Json): Json {
    if (this.cleared.size === 0) return json;
    return Array.isArray(json.items)
      ? { ...json, items: (json.items as Json[]).map((r) => this.apply(apiId, r)) }
      : this.apply(apiId, json);
  }
}

// ---- the stateful part ----

/** The route id and parameter key of `/v2/apis/{api}/routes/{route}/requestparameters/{key}`. */
function requestParameterOf(path: string): [string, string] {
  const parts = path.split('?', 1)[0]!.replace(/\/+$/, '').split('/');
  return [decodeURIComponent(parts.at(-3) ?? ''), decodeURIComponent(parts.at(-1) ?? '')];
}

/** The route rules; the Fidelity frame runs each write on one API alone. */
export class RouteRules {
  private readonly routesPerApi: number;
  readonly clears: RouteClears;
  private readonly managed: ManagedResources;

  constructor(routesPerApi: number, clears: RouteClears, managed: ManagedResources) {
    this.routesPerApi = routesPerApi;
    this.clears = clears;
    this.managed = managed;
  }

  /** A route answer as AWS reports it: cleared fields left out, managed routes marked. */
  reported(apiId: string, reply: UpstreamReply): UpstreamReply {
    const json = reply.status < 300 ? parseObject(reply.body) : undefined;
    if (!json) return reply;
    const out = this.managed.markAnswer(apiId, 'route', this.clears.applyAnswer(apiId, json));
    return { ...reply, body: Buffer.from(JSON.stringify(out)) };
  }

  async create(apiId: string, body: Buffer, up: Upstream): Promise<Exchange> {
    const sent = parseObject(body) ?? {};
    const routes = await readItems(up, `${apiPath(apiId)}/routes`, apiNotFoundMessage(apiId));
    if (!Array.isArray(routes)) return routes;
    if (routes.length >= this.routesPerApi)
      return answer('fidelity_quota', 429, 'ConflictException', ROUTES_QUOTA_MESSAGE);
    const refused = await this.refusal(apiId, sent, up, { routes });
    return refused ?? pass(up, body);
  }

  async update(apiId: string, routeId: string, body: Buffer, up: Upstream): Promise<Exchange> {
    const current = await read(up, routePath(apiId, routeId), routeNotFoundMessage(routeId));
    if (!('json' in current)) return current;
    const sent = parseObject(body);
    if (!sent) return pass(up, body);
    const rekeys = sent.routeKey !== undefined && sent.routeKey !== current.json.routeKey;
    if (rekeys && this.managed.isManaged(apiId, 'route', routeId)) return badRequest(managedRouteKeyMessage(routeId));
    const refused = await this.refusal(apiId, sent, up, { self: routeId });
    if (refused) return refused;
    const merged = mergeRouteUpdate(this.clears.apply(apiId, current.json), sent);
    const done = await up.forward(Buffer.from(JSON.stringify(merged)));
    if (done.status < 300) this.clears.note(apiId, routeId, merged);
    return { kind: 'upstream', reply: this.reported(apiId, done) };
  }

  /**
   * What AWS refuses in a route write that moto takes: a key another route has (409, above), and a
   * target naming an integration the API does not have. For the latter AWS's exact answer is not
   * established; the API reference lists 404 NotFoundException for both operations, and that is
   * modelled, in AWS's words for a missing integration: the 404 an adapter could mistake for "the
   * API is gone" is the harder case for the operator.
   */
  private async refusal(
    apiId: string,
    sent: Json,
    up: Upstream,
    known: { routes?: Json[]; self?: string },
  ): Promise<Exchange | undefined> {
    if (sent.routeKey !== undefined) {
      const routes = known.routes ?? (await readItems(up, `${apiPath(apiId)}/routes`, apiNotFoundMessage(apiId)));
      if (!Array.isArray(routes)) return routes;
      if (routeWithKey(routes, sent.routeKey, known.self) !== undefined)
        return answer('fidelity_key_exists', 409, 'ConflictException', routeKeyExistsMessage(String(sent.routeKey)));
    }
    const integrationId = targetIntegrationOf(sent.target);
    if (integrationId === undefined) return undefined;
    const integration = await read(
      up,
      integrationPath(apiId, integrationId),
      integrationNotFoundMessage(integrationId),
    );
    return 'json' in integration ? undefined : integration;
  }

  async delete(apiId: string, routeId: string, body: Buffer, up: Upstream): Promise<Exchange> {
    // moto deletes an unknown route id with 200 (`pop(id, None)`); AWS answers 404 as for integrations.
    const current = await read(up, routePath(apiId, routeId), routeNotFoundMessage(routeId));
    if (!('json' in current)) return current;
    this.clears.forget(apiId, routeId);
    this.managed.forget(apiId, routeId);
    return pass(up, body);
  }

  async deleteRequestParameter(apiId: string, path: string, body: Buffer, up: Upstream): Promise<Exchange> {
    const [routeId, key] = requestParameterOf(path);
    const current = await read(up, routePath(apiId, routeId), routeNotFoundMessage(routeId));
    if (!('json' in current)) return current;
    const params = current.json.requestParameters;
    if (!isObject(params) || !(key in params))
      return answer('fidelity_not_found', 404, 'NotFoundException', requestParameterNotFoundMessage(key));
    return pass(up, body);
  }
}
