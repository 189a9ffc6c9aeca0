// The fidelity rules of the fault proxy: where moto answers differently from real API Gateway v2,
// the proxy answers (or reshapes the request) the way API Gateway does, so the operator meets the
// real service's behaviour in every test. Each rule cites the public source it is modelled on; where
// the real behaviour is not established, the rule models the outcome that is hardest on the operator
// and says so. This file holds the frame and the integration rules; the route rules are in
// fidelity-routes.ts, paged listings in listings.ts, quick create (apiGatewayManaged) in
// quick-create.ts, stages and deployments in stages.ts (with stage-rules.ts, deployments.ts),
// integration and route responses in responses.ts. The
// pure functions are exported for unit tests; `Fidelity` holds the little state the rules need
// (protocol cache, per-API write order, cleared route fields, managed resources, stages).
// Faults that real AWS shows only sometimes (throttling, concurrent-write 409s, late creates, creates
// not yet visible, transient ELB errors) belong to the proxy (proxy.ts), not here.
import { ITEM_READS, ROUTING_WRITES, STAGE_OPERATIONS, type ItemKind, type RequestKind } from './operations.ts';
import { DEFAULT_ROUTES_PER_API, RouteClears, RouteRules, routesTargeting } from './fidelity-routes.ts';
import { DEFAULT_PAGE_SIZE, INVALID_TOKEN_MESSAGE, pageOf } from './listings.ts';
import { ManagedResources, managedIntegrationMessage } from './quick-create.ts';
import { StageRules } from './stages.ts';
import { RESPONSE_OPERATIONS, ResponseRules } from './responses.ts';
import { LAMBDA_POLICY_OPERATIONS, LambdaPolicies } from './lambda-policies.ts';
import { DEFAULT_STAGES_PER_API } from './stage-rules.ts';
import type { Served, Snapshot } from './stage-book.ts';
import {
  answer,
  apiNotFoundMessage,
  apiPath,
  badRequest,
  integrationNotFoundMessage,
  integrationPath,
  isObject,
  jsonReply,
  lastSegmentOf,
  parseObject,
  pass,
  read,
  readItems,
  stringMap,
  type Exchange,
  type Json,
  type StringMap,
  type Upstream,
  type UpstreamReply,
} from './wire.ts';

export type { Answer, Exchange, FidelityOutcome, Upstream, UpstreamReply } from './wire.ts';
export { parseObject, integrationNotFoundMessage, apiNotFoundMessage } from './wire.ts';
export { routesTargeting } from './fidelity-routes.ts';

export interface FidelityOptions {
  /** Integrations an API may hold; CreateIntegration beyond it is refused. Default 300. */
  integrationsPerApi?: number;
  /** Routes an API may hold; CreateRoute beyond it is refused. Default 300. */
  routesPerApi?: number;
  /**
   * GetIntegrations, GetRoutes, GetStages and GetDeployments answered in pages of at most this many
   * items (and of `maxResults` when smaller), with an opaque nextToken (listings.ts). Default 3; 0
   * answers in one page, as moto.
   */
  pageSize?: number;
  /**
   * Refuse UpdateIntegration clearing integrationUri, integrationMethod or contentHandlingStrategy
   * with "" (emptyResetMessage). Default true.
   */
  refuseEmptyResets?: boolean;
  /** Stages an API may hold; CreateStage beyond it is refused. Default 10. */
  stagesPerApi?: number;
  /** How long after a change an auto-deploying stage deploys. Default 1000 ms. */
  autoDeployDelayMs?: number;
  /**
   * Shortest time between two CreateDeployment calls, answered 429 sooner (deployments.ts). Default
   * 0: off, because that AWS quota is not established for v2 APIs.
   */
  createDeploymentIntervalMs?: number;
  /** The emulator's account and region (moto's defaults): another account's Lambda function is refused. */
  account?: string;
  region?: string;
}

export const DEFAULT_INTEGRATIONS_PER_API = 300;
export const DEFAULT_AUTO_DEPLOY_DELAY_MS = 1000;

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
 * Integrations per API: HTTP status 429 with the name ConflictException, in these words, two spaces
 * included ("Maximum number of Integrations for this API has been reached.  Please contact AWS if
 * you need additional Integrations.", serverless/serverless-websockets-plugin#22; the same shape for
 * authorizers with "StatusCode: 429" in anomalyco/sst#4522). The limit (300, not raisable for HTTP
 * APIs) is from "Quotas for configuring and running an HTTP API".
 */
export const QUOTA_MESSAGE =
  'Maximum number of Integrations for this API has been reached.  Please contact AWS if you need additional Integrations.';

/** A removal tombstone on a service (subtype) integration: terraform-provider-aws#50061. */
export const SUBTYPE_TOMBSTONE_MESSAGE =
  'Invalid selection expression specified: Validation Result: warnings : [], errors : [Mapping expression missing source or destination]';

// ---- pure rules ----

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
 * that inner merge is NOT verified on real AWS (no public source shows it either way) and is modelled
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
 * the 400 AWS gives. Scalars ("" clears, but see emptyResetMessage), tlsConfig ({} clears), integrationType and
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
 * UpdateIntegration clearing integrationUri, integrationMethod or contentHandlingStrategy with "":
 * refused, pessimistically. The model types the URI as UriWithLengthBetween1And2048 and the method
 * as StringWithLengthBetween1And64, and ContentHandlingStrategy is an enum without ""; go-to-k/cdkd's
 * apigatewayv2 provider leaves IntegrationUri and IntegrationMethod out of its resets because "the
 * underlying API rejects a reset value for them". No public log shows AWS's answer, so its words are
 * not established: the message follows AWS's usual constraint-violation form. moto takes "" and clears.
 */
const EMPTY_REFUSED: Record<string, string> = {
  integrationUri: 'Member must have length greater than or equal to 1',
  integrationMethod: 'Member must have length greater than or equal to 1',
  contentHandlingStrategy: 'Member must satisfy enum value set: [CONVERT_TO_BINARY, CONVERT_TO_TEXT]',
};

/** The refusal of an UpdateIntegration body that clears a field AWS does not let be cleared, if any. */
export function emptyResetMessage(sent: Json): string | undefined {
  const fields = Object.keys(EMPTY_REFUSED).filter((f) => sent[f] === '');
  if (fields.length === 0) return undefined;
  const errors = fields.map((f) => `Value '' at '${f}' failed to satisfy constraint: ${EMPTY_REFUSED[f]}`);
  return `${fields.length} validation error${fields.length > 1 ? 's' : ''} detected: ${errors.join('; ')}`;
}

// ---- the stateful part ----

export class Fidelity {
  private readonly opts: FidelityOptions;
  /** Protocol per API id: it cannot change after CreateApi. */
  private readonly protocols = new Map<string, string>();
  private readonly locks = new Map<string, Promise<void>>();
  private readonly managed = new ManagedResources();
  private readonly routes: RouteRules;
  private readonly stages: StageRules;
  private readonly responses: ResponseRules;
  private readonly lambda: LambdaPolicies;

  constructor(opts: FidelityOptions) {
    this.opts = opts;
    this.lambda = new LambdaPolicies({ account: opts.account ?? '123456789012', region: opts.region ?? 'us-east-1' });
    this.routes = new RouteRules(opts.routesPerApi ?? DEFAULT_ROUTES_PER_API, new RouteClears(), this.managed);
    const stageOptions = {
      stagesPerApi: opts.stagesPerApi ?? DEFAULT_STAGES_PER_API,
      pageSize: opts.pageSize ?? DEFAULT_PAGE_SIZE,
      autoDeployDelayMs: opts.autoDeployDelayMs ?? DEFAULT_AUTO_DEPLOY_DELAY_MS,
      createDeploymentIntervalMs: opts.createDeploymentIntervalMs ?? 0,
    };
    const protocolOf = (apiId: string, up: Upstream) => this.protocolOf(apiId, up);
    this.responses = new ResponseRules({ protocolOf, pageSize: opts.pageSize ?? DEFAULT_PAGE_SIZE });
    this.stages = new StageRules(stageOptions, {
      protocolOf: (apiId, up) => this.protocolOf(apiId, up),
      snapshot: (apiId, up) => this.snapshot(apiId, up),
      exclusive: (apiId, fn) => this.exclusive(apiId, fn),
    });
  }

  /** What a stage serves (its deployment's snapshot), for the test bed's own read endpoint. */
  served(apiId: string, stageName: string): Served | undefined {
    return this.stages.served(apiId, stageName);
  }

  /** Stops pending auto deployments. */
  close(): void {
    this.stages.close();
  }

  /**
   * Runs one request through the rules. Writes on one API run one at a time here, so that a rule's
   * side reads and the write they guard see the same emulator state. That is the emulator's own
   * consistency, not AWS's behaviour: AWS does not queue a second concurrent write on an API, it
   * refuses it with 409 (terraform-provider-aws#37897, #40575), and the proxy answers that before a
   * write gets here (FaultProxyOptions.conflictOnConcurrentWrites, on with fidelity). Only a proxy
   * that opts out of those 409s has writes waiting here.
   */
  exchange(kind: RequestKind, path: string, body: Buffer, up: Upstream): Promise<Exchange> {
    if (LAMBDA_POLICY_OPERATIONS.has(kind.operation)) return this.lambda.handle(kind.operation, path, body, up);
    if (!kind.write) return this.readRule(kind, path, body, up);
    if (kind.operation === 'CreateApi')
      return this.managed.createApi(body, up, (apiId) => this.stages.quickCreated(apiId, up));
    if (kind.apiId === undefined) return pass(up, body);
    const apiId = kind.apiId;
    return this.exclusive(apiId, () => this.applyRule({ operation: kind.operation, apiId, path }, body, up));
  }

  private async applyRule(
    req: { operation: string; apiId: string; path: string },
    body: Buffer,
    up: Upstream,
  ): Promise<Exchange> {
    if (STAGE_OPERATIONS.has(req.operation)) return this.stages.handle(req, body, up);
    const done = RESPONSE_OPERATIONS[req.operation]
      ? await this.responses.handle(req.operation, req.apiId, req.path, body, up)
      : await this.routingRule(req, body, up);
    if (done.kind === 'upstream' && done.reply.status < 300) this.forgetResponses(req);
    // What a deployment snapshots changed: auto-deploying stages deploy it shortly (stages.ts).
    if (ROUTING_WRITES.has(req.operation) && done.kind === 'upstream' && done.reply.status < 300)
      this.stages.routingChanged(req.apiId, up);
    return done;
  }

  /** A deleted integration or route takes its responses along, a deleted API all of them. */
  private forgetResponses(req: { operation: string; apiId: string; path: string }): void {
    const id = lastSegmentOf(req.path);
    if (req.operation === 'DeleteApi') this.responses.forget(req.apiId);
    if (req.operation === 'DeleteIntegration') this.responses.forget(req.apiId, { kind: 'integration', id });
    if (req.operation === 'DeleteRoute') this.responses.forget(req.apiId, { kind: 'route', id });
  }

  private routingRule(
    req: { operation: string; apiId: string; path: string },
    body: Buffer,
    up: Upstream,
  ): Promise<Exchange> {
    const { apiId, path } = req;
    const id = lastSegmentOf(path);
    switch (req.operation) {
      case 'CreateIntegration':
        return this.create(apiId, body, up);
      case 'UpdateIntegration':
        return this.update(apiId, id, body, up);
      case 'DeleteIntegration':
        return this.delete(apiId, id, body, up);
      case 'DeleteApi':
        return this.deleteApi(apiId, body, up);
      case 'CreateRoute':
        return this.routes.create(apiId, body, up);
      case 'UpdateRoute':
        return this.routes.update(apiId, id, body, up);
      case 'DeleteRoute':
        return this.routes.delete(apiId, id, body, up);
      case 'DeleteRouteRequestParameter':
        return this.routes.deleteRequestParameter(apiId, path, body, up);
      default:
        return pass(up, body);
    }
  }

  private async create(apiId: string, body: Buffer, up: Upstream): Promise<Exchange> {
    const protocol = await this.protocolOf(apiId, up);
    if (typeof protocol !== 'string') return protocol;
    const existing = await readItems(up, `${apiPath(apiId)}/integrations`, apiNotFoundMessage(apiId));
    if (!Array.isArray(existing)) return existing;
    if (existing.length >= (this.opts.integrationsPerApi ?? DEFAULT_INTEGRATIONS_PER_API))
      return answer('fidelity_quota', 429, 'ConflictException', QUOTA_MESSAGE);
    const sent = parseObject(body);
    return pass(up, sent ? Buffer.from(JSON.stringify(withCreateDefaults(sent, protocol))) : body);
  }

  private async update(apiId: string, id: string, body: Buffer, up: Upstream): Promise<Exchange> {
    // moto answers an unknown id with a 500 HTML page (reference §2.6); AWS with this 404.
    const current = await read(up, integrationPath(apiId, id), integrationNotFoundMessage(id));
    if (!('json' in current)) return current;
    const sent = parseObject(body);
    if (!sent) return pass(up, body);
    const empty = this.opts.refuseEmptyResets === false ? undefined : emptyResetMessage(sent);
    if (empty) return badRequest(empty);
    const merged = mergeIntegrationUpdate(current.json, sent);
    if ('badRequest' in merged) return badRequest(merged.badRequest);
    const done = await up.forward(Buffer.from(JSON.stringify(merged.body)));
    return { kind: 'upstream', reply: this.reported(apiId, 'integration', done) };
  }

  private async delete(apiId: string, id: string, body: Buffer, up: Upstream): Promise<Exchange> {
    // moto deletes an unknown id with 200 (reference §2.6); AWS answers 404.
    const current = await read(up, integrationPath(apiId, id), integrationNotFoundMessage(id));
    if (!('json' in current)) return current;
    if (this.managed.isManaged(apiId, 'integration', id)) return badRequest(managedIntegrationMessage(id));
    const routes = await readItems(up, `${apiPath(apiId)}/routes`, apiNotFoundMessage(apiId));
    if (!Array.isArray(routes)) return routes;
    const using = routesTargeting(
      routes.map((r) => this.routes.clears.apply(apiId, r)),
      id,
    );
    if (using.length > 0) return answer('fidelity_in_use', 409, 'ConflictException', inUseMessage(using));
    return pass(up, body);
  }

  private async deleteApi(apiId: string, body: Buffer, up: Upstream): Promise<Exchange> {
    // moto deletes an unknown API with 200; AWS answers 404 as for every other call on it.
    const current = await read(up, apiPath(apiId), apiNotFoundMessage(apiId));
    if (!('json' in current)) return current;
    this.protocols.delete(apiId);
    this.routes.clears.forget(apiId);
    this.managed.forget(apiId);
    this.stages.forget(apiId);
    return pass(up, body);
  }

  /** Reads pass, reshaped: cleared route fields left out, managed resources marked, listings paged. */
  private async readRule(kind: RequestKind, path: string, body: Buffer, up: Upstream): Promise<Exchange> {
    const apiId = kind.apiId;
    if (apiId !== undefined && STAGE_OPERATIONS.has(kind.operation))
      return this.stages.handle({ operation: kind.operation, apiId, path }, body, up);
    if (apiId !== undefined && RESPONSE_OPERATIONS[kind.operation])
      return this.responses.handle(kind.operation, apiId, path, body, up);
    const what = ITEM_READS[kind.operation];
    if (apiId === undefined || !what) return pass(up, body);
    const pageSize = this.opts.pageSize ?? DEFAULT_PAGE_SIZE;
    if (what.listing && pageSize > 0) return this.page(apiId, what.kind, path, pageSize, up);
    return { kind: 'upstream', reply: this.reported(apiId, what.kind, await up.forward(body)) };
  }

  /** One page of the full listing, as AWS would report its items (listings.ts). */
  private async page(apiId: string, kind: ItemKind, path: string, size: number, up: Upstream): Promise<Exchange> {
    const url = new URL(path, 'http://proxy');
    const all = this.reported(apiId, kind, await up.get(url.pathname));
    if (all.status >= 300) return { kind: 'upstream', reply: all };
    const page = pageOf((parseObject(all.body)?.items as Json[] | undefined) ?? [], url.searchParams, size);
    if (!page) return badRequest(INVALID_TOKEN_MESSAGE);
    return { kind: 'upstream', reply: jsonReply(page, all) };
  }

  private reported(apiId: string, kind: ItemKind, reply: UpstreamReply): UpstreamReply {
    if (kind === 'route') return this.routes.reported(apiId, reply);
    const json = reply.status < 300 ? parseObject(reply.body) : undefined;
    return json ? jsonReply(this.managed.markAnswer(apiId, 'integration', json), reply) : reply;
  }

  /** The API's routes and integrations as AWS reports them now, with their responses: what a deployment keeps. */
  private async snapshot(apiId: string, up: Upstream): Promise<Snapshot | Exchange> {
    const routes = await readItems(up, `${apiPath(apiId)}/routes`, apiNotFoundMessage(apiId));
    if (!Array.isArray(routes)) return routes;
    const integrations = await readItems(up, `${apiPath(apiId)}/integrations`, apiNotFoundMessage(apiId));
    if (!Array.isArray(integrations)) return integrations;
    return {
      routes: routes.map((r) => ({
        ...this.managed.mark(apiId, 'route', this.routes.clears.apply(apiId, r)),
        routeResponses: this.responses.of('route', apiId, String(r.routeId)),
      })),
      integrations: integrations.map((i) => ({
        ...this.managed.mark(apiId, 'integration', i),
        integrationResponses: this.responses.of('integration', apiId, String(i.integrationId)),
      })),
    };
  }

  private async protocolOf(apiId: string, up: Upstream): Promise<string | Exchange> {
    const known = this.protocols.get(apiId);
    if (known) return known;
    const api = await read(up, apiPath(apiId), apiNotFoundMessage(apiId));
    if (!('json' in api)) return api;
    const protocol = String(api.json.protocolType ?? 'HTTP');
    this.protocols.set(apiId, protocol);
    return protocol;
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
