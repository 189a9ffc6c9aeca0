// API Gateway v2 routes through the AWS SDK, on the same call machinery as integrations
// (calls.ts): a budget token per attempt, reads retried, NotFound turned into "absent" on reads and
// "done" on deletes, and writes serialized per API together with integration writes, since AWS
// refuses concurrent writes on one API whichever kind of resource they touch.
import {
  CreateRouteCommand,
  DeleteRouteCommand,
  DeleteRouteRequestParameterCommand,
  GetRouteCommand,
  GetRoutesCommand,
  UpdateRouteCommand,
  type CreateRouteCommandInput,
  type Route,
  type UpdateRouteCommandInput,
} from '@aws-sdk/client-apigatewayv2';
import type { Protocol } from '../../api/v1alpha1/group.ts';
import type { AwsError } from '../../kind/errors.ts';
import type { ObservedRoute, RouteFields, RouteGateway } from '../../apiroute/ports.ts';
import type { Location } from '../../kind/ports.ts';
import { ApiGatewayCalls, type GatewayOptions, type Sendable } from './calls.ts';
import { isNotFound } from './errors.ts';
import { fromSdkRoute, refineRouteKeyError, routeWriteNotFound, toRouteInput } from './route-mapping.ts';
import { ResponseCalls } from './response-gateway.ts';
import type { DesiredResponse, ObservedResponse } from '../../kind/responses.ts';

const where = (loc: Location) => `API ${loc.apiId} in ${loc.region}`;

export class ApiGatewayV2RouteGateway implements RouteGateway {
  private readonly calls: ApiGatewayCalls;
  private readonly responses: ResponseCalls;

  /** Pass the integration gateway's `calls` so that route and integration writes on an API never overlap. */
  constructor(opts: GatewayOptions | ApiGatewayCalls) {
    this.calls = opts instanceof ApiGatewayCalls ? opts : new ApiGatewayCalls(opts);
    this.responses = ResponseCalls.routes(this.calls);
  }

  listRouteResponses(loc: Location, routeId: string, signal?: AbortSignal): Promise<ObservedResponse[] | undefined> {
    return this.responses.list(loc, routeId, signal);
  }

  createRouteResponse(loc: Location, routeId: string, r: DesiredResponse, signal?: AbortSignal): Promise<void> {
    return this.responses.create(loc, routeId, r, signal);
  }

  updateRouteResponse(loc: Location, routeId: string, r: ObservedResponse, signal?: AbortSignal): Promise<void> {
    return this.responses.update(loc, routeId, r, signal);
  }

  deleteRouteResponse(loc: Location, routeId: string, id: string, signal?: AbortSignal): Promise<void> {
    return this.responses.remove(loc, routeId, id, signal);
  }

  getApiProtocol(loc: Location, signal?: AbortSignal): Promise<Protocol | undefined> {
    return this.calls.getApiProtocol(loc, signal);
  }

  // Nothing is cached here, so every read is fresh and `fresh` needs no handling.
  async getRoute(loc: Location, routeId: string, signal?: AbortSignal): Promise<ObservedRoute | undefined> {
    const cmd = new GetRouteCommand({ ApiId: loc.apiId, RouteId: routeId });
    const out = await this.calls.getOne<Route>(loc, 'GetRoute', cmd, signal);
    return out === undefined ? undefined : fromSdkRoute(out);
  }

  listRoutes(loc: Location, signal?: AbortSignal): Promise<ObservedRoute[] | undefined> {
    const page = (token?: string) => new GetRoutesCommand({ ApiId: loc.apiId, NextToken: token });
    return this.calls.allPages<Route, ObservedRoute>(loc, { operation: 'GetRoutes', page, map: fromSdkRoute }, signal);
  }

  createRoute(loc: Location, fields: RouteFields & { routeKey: string }, signal?: AbortSignal): Promise<ObservedRoute> {
    const input = { ApiId: loc.apiId, ...toRouteInput(fields) } as CreateRouteCommandInput;
    // Sent once, not even re-sent after a 409: a create whose answer was lost is recovered by listing
    // (route keys are unique per API), and a re-sent one that met its own route as "key exists"
    // would tell the reconciler someone else holds the key. The work queue tries again, listing first.
    return this.write(loc, 'CreateRoute', new CreateRouteCommand(input), {
      single: true,
      routeKey: fields.routeKey,
      signal,
    });
  }

  updateRoute(loc: Location, routeId: string, fields: RouteFields, signal?: AbortSignal): Promise<ObservedRoute> {
    const input = { ApiId: loc.apiId, RouteId: routeId, ...toRouteInput(fields) } as UpdateRouteCommandInput;
    return this.write(loc, 'UpdateRoute', new UpdateRouteCommand(input), { routeKey: fields.routeKey, signal });
  }

  deleteRouteRequestParameter(loc: Location, routeId: string, key: string, signal?: AbortSignal): Promise<void> {
    const cmd = new DeleteRouteRequestParameterCommand({
      ApiId: loc.apiId,
      RouteId: routeId,
      RequestParameterKey: key,
    });
    return this.calls.deleteOne(loc, 'DeleteRouteRequestParameter', cmd, signal);
  }

  deleteRoute(loc: Location, routeId: string, signal?: AbortSignal): Promise<void> {
    const cmd = new DeleteRouteCommand({ ApiId: loc.apiId, RouteId: routeId });
    return this.calls.deleteOne(loc, 'DeleteRoute', cmd, signal);
  }

  /** A create or update, serialized with the API's other writes; a taken key becomes RouteKeyExistsError. */
  private async write(
    loc: Location,
    operation: string,
    cmd: Sendable,
    opts: { single?: boolean; routeKey?: string; signal?: AbortSignal },
  ): Promise<ObservedRoute> {
    const refine = (err: AwsError) => refineRouteKeyError(err, opts.routeKey);
    const send = () =>
      this.calls.call<Route>(loc, operation, cmd, { single: opts.single, signal: opts.signal, refine });
    try {
      return fromSdkRoute(await this.calls.serialized(loc, send));
    } catch (err) {
      throw isNotFound(err) ? routeWriteNotFound(err, operation, where(loc)) : err;
    }
  }
}
