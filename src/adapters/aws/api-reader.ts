// One reading of a whole API for `import`: GetApi (its protocol), then every page of GetIntegrations,
// GetRoutes and GetStages, through the gateways the operator uses (one budget, the same retries and
// error translation), and nothing else: reads only.
import type { Protocol } from '../../api/v1alpha1/group.ts';
import type { ObservedIntegration } from '../../apiintegration/ports.ts';
import type { ObservedRoute } from '../../apiroute/ports.ts';
import type { ObservedStage } from '../../apistage/ports.ts';
import type { Location } from '../../kind/ports.ts';
import { ApiGatewayCalls, type GatewayOptions } from './calls.ts';
import { ApiGatewayV2Gateway } from './gateway.ts';
import { ApiGatewayV2RouteGateway } from './route-gateway.ts';
import { ApiGatewayV2StageGateway } from './stage-gateway.ts';

export interface ApiReading {
  protocol: Protocol;
  integrations: ObservedIntegration[];
  routes: ObservedRoute[];
  stages: ObservedStage[];
}

/** The API's protocol, integrations, routes and stages; undefined when the API does not exist. */
export async function readApi(opts: GatewayOptions, loc: Location): Promise<ApiReading | undefined> {
  const calls = new ApiGatewayCalls(opts);
  const integrations = new ApiGatewayV2Gateway(calls);
  const protocol = await integrations.getApiProtocol(loc);
  if (!protocol) return undefined;
  const listed = await integrations.listIntegrations(loc);
  const routes = await new ApiGatewayV2RouteGateway(calls).listRoutes(loc);
  const stages = await new ApiGatewayV2StageGateway(calls).listStages(loc);
  // The API vanished between the calls: as good as never found.
  if (!listed || !routes || !stages) return undefined;
  return { protocol, integrations: listed, routes, stages };
}
