// Names an API Gateway v2 request the way the SDK does (its operation), from method and path alone,
// so the proxy can count and fault by operation without parsing bodies.
export interface RequestKind {
  operation: string;
  /** The API the request is about, when the path names one. */
  apiId?: string;
  /** True for requests that change state in API Gateway. */
  write: boolean;
}

const ROUTES: { method: string; re: RegExp; operation: string }[] = [
  { method: 'GET', re: /^\/v2\/apis$/, operation: 'GetApis' },
  { method: 'POST', re: /^\/v2\/apis$/, operation: 'CreateApi' },
  { method: 'GET', re: /^\/v2\/apis\/([^/]+)$/, operation: 'GetApi' },
  { method: 'PATCH', re: /^\/v2\/apis\/([^/]+)$/, operation: 'UpdateApi' },
  { method: 'DELETE', re: /^\/v2\/apis\/([^/]+)$/, operation: 'DeleteApi' },
  { method: 'GET', re: /^\/v2\/apis\/([^/]+)\/integrations$/, operation: 'GetIntegrations' },
  { method: 'POST', re: /^\/v2\/apis\/([^/]+)\/integrations$/, operation: 'CreateIntegration' },
  { method: 'GET', re: /^\/v2\/apis\/([^/]+)\/integrations\/[^/]+$/, operation: 'GetIntegration' },
  { method: 'PATCH', re: /^\/v2\/apis\/([^/]+)\/integrations\/[^/]+$/, operation: 'UpdateIntegration' },
  { method: 'DELETE', re: /^\/v2\/apis\/([^/]+)\/integrations\/[^/]+$/, operation: 'DeleteIntegration' },
  // Route writes count as writes on their API: API Gateway refuses concurrent route writes as it
  // does integration writes (DeleteRoute's 409 in terraform-provider-aws#40575); that one lock covers
  // both is not established and is the harsher reading. A route's target also decides whether its
  // integration may be deleted.
  { method: 'GET', re: /^\/v2\/apis\/([^/]+)\/routes$/, operation: 'GetRoutes' },
  { method: 'POST', re: /^\/v2\/apis\/([^/]+)\/routes$/, operation: 'CreateRoute' },
  { method: 'GET', re: /^\/v2\/apis\/([^/]+)\/routes\/[^/]+$/, operation: 'GetRoute' },
  { method: 'PATCH', re: /^\/v2\/apis\/([^/]+)\/routes\/[^/]+$/, operation: 'UpdateRoute' },
  { method: 'DELETE', re: /^\/v2\/apis\/([^/]+)\/routes\/[^/]+$/, operation: 'DeleteRoute' },
  {
    method: 'DELETE',
    re: /^\/v2\/apis\/([^/]+)\/routes\/[^/]+\/requestparameters\/[^/]+$/,
    operation: 'DeleteRouteRequestParameter',
  },
  // Integration and route responses (WebSocket two-way replies) are writes on their API as well.
  ...responseRoutes('integrations', 'Integration'),
  ...responseRoutes('routes', 'Route'),
  // Stage and deployment writes count as writes on their API too: API Gateway serialises the
  // mutations of one API, stages included (go-to-k/cdkd#1607 met the concurrent-modification 409
  // creating routes, integrations and stages of one API in parallel).
  { method: 'GET', re: /^\/v2\/apis\/([^/]+)\/stages$/, operation: 'GetStages' },
  { method: 'POST', re: /^\/v2\/apis\/([^/]+)\/stages$/, operation: 'CreateStage' },
  { method: 'GET', re: /^\/v2\/apis\/([^/]+)\/stages\/[^/]+$/, operation: 'GetStage' },
  { method: 'PATCH', re: /^\/v2\/apis\/([^/]+)\/stages\/[^/]+$/, operation: 'UpdateStage' },
  { method: 'DELETE', re: /^\/v2\/apis\/([^/]+)\/stages\/[^/]+$/, operation: 'DeleteStage' },
  {
    method: 'DELETE',
    re: /^\/v2\/apis\/([^/]+)\/stages\/[^/]+\/routesettings\/[^/]+$/,
    operation: 'DeleteRouteSettings',
  },
  { method: 'GET', re: /^\/v2\/apis\/([^/]+)\/deployments$/, operation: 'GetDeployments' },
  { method: 'POST', re: /^\/v2\/apis\/([^/]+)\/deployments$/, operation: 'CreateDeployment' },
  { method: 'GET', re: /^\/v2\/apis\/([^/]+)\/deployments\/[^/]+$/, operation: 'GetDeployment' },
  { method: 'PATCH', re: /^\/v2\/apis\/([^/]+)\/deployments\/[^/]+$/, operation: 'UpdateDeployment' },
  { method: 'DELETE', re: /^\/v2\/apis\/([^/]+)\/deployments\/[^/]+$/, operation: 'DeleteDeployment' },
  // Lambda function policies (spec.lambdaPermission): on no API, so never serialized with its writes.
  { method: 'GET', re: /^\/2015-03-31\/functions\/[^/]+\/policy$/, operation: 'GetPolicy' },
  { method: 'POST', re: /^\/2015-03-31\/functions\/[^/]+\/policy$/, operation: 'AddPermission' },
  { method: 'DELETE', re: /^\/2015-03-31\/functions\/[^/]+\/policy\/[^/]+$/, operation: 'RemovePermission' },
];

/** The five operations on the responses of an integration or a route. */
function responseRoutes(parents: string, noun: string): { method: string; re: RegExp; operation: string }[] {
  const list = new RegExp(`^/v2/apis/([^/]+)/${parents}/[^/]+/${noun.toLowerCase()}responses$`);
  const one = new RegExp(`^/v2/apis/([^/]+)/${parents}/[^/]+/${noun.toLowerCase()}responses/[^/]+$`);
  return [
    { method: 'GET', re: list, operation: `Get${noun}Responses` },
    { method: 'POST', re: list, operation: `Create${noun}Response` },
    { method: 'GET', re: one, operation: `Get${noun}Response` },
    { method: 'PATCH', re: one, operation: `Update${noun}Response` },
    { method: 'DELETE', re: one, operation: `Delete${noun}Response` },
  ];
}

/** What a read or create is about: an integration or a route. */
export type ItemKind = 'integration' | 'route';

/** The reads of one item or of a listing, and what they return. */
export const ITEM_READS: Record<string, { kind: ItemKind; listing: boolean }> = {
  GetIntegration: { kind: 'integration', listing: false },
  GetIntegrations: { kind: 'integration', listing: true },
  GetRoute: { kind: 'route', listing: false },
  GetRoutes: { kind: 'route', listing: true },
};

/** The stage and deployment operations, which the fidelity rules answer themselves (stages.ts). */
export const STAGE_OPERATIONS: ReadonlySet<string> = new Set([
  'GetStages',
  'CreateStage',
  'GetStage',
  'UpdateStage',
  'DeleteStage',
  'DeleteRouteSettings',
  'GetDeployments',
  'CreateDeployment',
  'GetDeployment',
  'UpdateDeployment',
  'DeleteDeployment',
]);

/** The writes after which an auto-deploying stage deploys: what a deployment snapshots. */
export const ROUTING_WRITES: ReadonlySet<string> = new Set([
  'CreateIntegration',
  'UpdateIntegration',
  'DeleteIntegration',
  'CreateRoute',
  'UpdateRoute',
  'DeleteRoute',
  'DeleteRouteRequestParameter',
  'CreateIntegrationResponse',
  'UpdateIntegrationResponse',
  'DeleteIntegrationResponse',
  'CreateRouteResponse',
  'UpdateRouteResponse',
  'DeleteRouteResponse',
]);

/** The creates of one item. */
export const ITEM_CREATES: Record<string, ItemKind> = { CreateIntegration: 'integration', CreateRoute: 'route' };

export function classify(method: string, url: string): RequestKind {
  const path = url.split('?', 1)[0]!.replace(/\/+$/, '');
  const m = method.toUpperCase();
  for (const r of ROUTES) {
    if (r.method !== m) continue;
    const hit = r.re.exec(path);
    if (hit)
      return {
        operation: r.operation,
        apiId: hit[1] ? decodeURIComponent(hit[1]) : undefined,
        write: m !== 'GET' && m !== 'HEAD',
      };
  }
  return { operation: 'Other', write: m !== 'GET' && m !== 'HEAD' };
}
