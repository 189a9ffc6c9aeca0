// Quick create: CreateApi with a Target makes an HTTP API together with an integration, a route and
// an auto-deploying $default stage (model, CreateApi Target: "Quick create produces an API with an
// integration, a default catch-all route, and a default stage which is configured to automatically
// deploy changes"; the integration is AWS_PROXY for a Lambda ARN and HTTP_PROXY for a URL; RouteKey
// defaults to $default). API Gateway manages the integration and the route it made and reports them
// with apiGatewayManaged: true; moto ignores Target, so the proxy makes the integration and the
// route itself, remembers which ones API Gateway would manage, and hands the stage to the stage
// rules (stages.ts), which keep stages with fidelity on.
import type { ItemKind } from './operations.ts';
import { apiPath, badRequest, isObject, parseObject, type Exchange, type Json, type Upstream } from './wire.ts';

/**
 * DeleteIntegration of a managed integration. The model says "You can update a managed integration,
 * but you can't delete it"; AWS's exact answer is not established (no public log of it was found),
 * so a 400 BadRequestException in these words is modelled.
 */
export const managedIntegrationMessage = (id: string) =>
  `Integration ${id} is managed by API Gateway and cannot be deleted; it is deleted with its API`;

/**
 * UpdateRoute changing the key of a managed route. The model says "You can't modify the $default
 * route key" of a quick-created API; as above, the exact answer is not established and a 400
 * BadRequestException in these words is modelled.
 */
export const managedRouteKeyMessage = (id: string) =>
  `The route key of route ${id} is managed by API Gateway and cannot be modified`;

/** The model: Target (like RouteKey and CredentialsArn) is "Supported only for HTTP APIs". */
export const QUICK_CREATE_WEBSOCKET_MESSAGE = 'Quick create (target) is supported only for HTTP APIs';

/** The integration quick create makes for a target: Lambda proxy (format 2.0) for an ARN, HTTP proxy for a URL. */
export function quickIntegration(sent: Json): Json {
  const target = String(sent.target);
  const lambda = target.startsWith('arn:');
  return {
    integrationType: lambda ? 'AWS_PROXY' : 'HTTP_PROXY',
    integrationUri: target,
    payloadFormatVersion: lambda ? '2.0' : '1.0',
    ...(lambda ? {} : { integrationMethod: 'ANY' }),
    ...(typeof sent.credentialsArn === 'string' ? { credentialsArn: sent.credentialsArn } : {}),
    connectionType: 'INTERNET',
    timeoutInMillis: 30_000,
  };
}

export class ManagedResources {
  private readonly byApi = new Map<string, Set<string>>();

  private key = (kind: ItemKind, id: string) => `${kind}/${id}`;

  note(apiId: string, kind: ItemKind, id: string): void {
    const ids = this.byApi.get(apiId) ?? new Set<string>();
    ids.add(this.key(kind, id));
    this.byApi.set(apiId, ids);
  }

  isManaged(apiId: string, kind: ItemKind, id: unknown): boolean {
    return typeof id === 'string' && (this.byApi.get(apiId)?.has(this.key(kind, id)) ?? false);
  }

  /** Forgets a deleted route, or everything of a deleted API. */
  forget(apiId: string, route?: string): void {
    if (route === undefined) this.byApi.delete(apiId);
    else this.byApi.get(apiId)?.delete(this.key('route', route));
  }

  /** The item as AWS reports it: apiGatewayManaged true on what quick create made. */
  mark(apiId: string, kind: ItemKind, item: Json): Json {
    const id = kind === 'integration' ? item.integrationId : item.routeId;
    return this.isManaged(apiId, kind, id) ? { ...item, apiGatewayManaged: true } : item;
  }

  /** A single item or a listing (`items`), marked. */
  markAnswer(apiId: string, kind: ItemKind, json: Json): Json {
    if (!this.byApi.has(apiId)) return json;
    return Array.isArray(json.items)
      ? { ...json, items: (json.items as Json[]).map((i) => (isObject(i) ? this.mark(apiId, kind, i) : i)) }
      : this.mark(apiId, kind, json);
  }

  /**
   * CreateApi: with a target, the API, then what API Gateway makes with it (`withStage` makes the
   * `$default` stage); without, as sent.
   */
  async createApi(body: Buffer, up: Upstream, withStage: (apiId: string) => void): Promise<Exchange> {
    const sent = parseObject(body);
    if (!sent || sent.target === undefined) return { kind: 'upstream', reply: await up.forward(body) };
    if (sent.protocolType === 'WEBSOCKET') return badRequest(QUICK_CREATE_WEBSOCKET_MESSAGE);
    const made = await up.forward(body);
    const apiId = made.status < 300 ? parseObject(made.body)?.apiId : undefined;
    if (typeof apiId !== 'string') return { kind: 'upstream', reply: made };
    const integration = await up.write('POST', `${apiPath(apiId)}/integrations`, quickIntegration(sent));
    const integrationId = String(parseObject(integration.body)?.integrationId);
    const routeKey = typeof sent.routeKey === 'string' ? sent.routeKey : '$default';
    const route = await up.write('POST', `${apiPath(apiId)}/routes`, {
      routeKey,
      target: `integrations/${integrationId}`,
    });
    this.note(apiId, 'integration', integrationId);
    this.note(apiId, 'route', String(parseObject(route.body)?.routeId));
    withStage(apiId);
    return { kind: 'upstream', reply: made };
  }
}
