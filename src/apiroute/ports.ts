// What the ApiRoute reconciler needs from AWS and from Kubernetes. Adapters implement these; the
// reconciler and its pure core never see an SDK type. Interfaces only (the AWS one is in adapters/aws/route-gateway.ts).
import type { ROUTE_FIELDS, Reported, RouteFieldName } from '../api/v1alpha1/route-fields.ts';
import type { ApiRoute, ApiRouteSpecT, ApiRouteStatusT } from '../api/v1alpha1/route-types.ts';
import type { Protocol } from '../api/v1alpha1/group.ts';
import type { GatewayVerbs, Location, ObjectEvents, ObjectStore } from '../kind/ports.ts';
import type { RouteEventReason } from './reasons.ts';
import type { DesiredResponse, ObservedResponse } from '../kind/responses.ts';

/** Constraints on one `$connect` request parameter. */
export interface ParameterConstraints {
  required?: boolean;
}

/**
 * Route fields in the spec's lowerCamelCase names, one per row of the field table: the CreateRoute /
 * UpdateRoute input, and what GetRoute(s) report. `target` is always `integrations/<id>` here:
 * integrationRef is resolved first. Request parameters as AWS reports them may omit `required`.
 */
export type RouteFields = {
  [K in RouteFieldName]?: (typeof ROUTE_FIELDS)[K]['kind'] extends 'parameters'
    ? Record<string, ParameterConstraints>
    : Reported<NonNullable<ApiRouteSpecT[K]>>;
};

export interface ObservedRoute extends RouteFields {
  routeId: string;
  routeKey: string;
  /** Routes made by quick create (CreateApi with a target); the operator never manages them. */
  apiGatewayManaged?: boolean;
}

export interface RouteGateway {
  /** The API's protocol, or undefined when the API does not exist. */
  getApiProtocol(loc: Location, signal?: AbortSignal): Promise<Protocol | undefined>;
  /** undefined when the route (or its API) does not exist; `fresh` skips any shared listing. */
  getRoute(loc: Location, routeId: string, signal?: AbortSignal, fresh?: boolean): Promise<ObservedRoute | undefined>;
  /**
   * GetRoutes, every page; undefined when the API does not exist. Shared per API for drift checks;
   * `fresh` skips any shared listing (deciding whether a key is free must not read a stale one).
   */
  listRoutes(loc: Location, signal?: AbortSignal, fresh?: boolean): Promise<ObservedRoute[] | undefined>;
  /**
   * Never retried inside: a lost response is recovered by listing (route keys are unique per API),
   * and a create refused because the key exists must reach the reconciler as such.
   */
  createRoute(loc: Location, fields: RouteFields & { routeKey: string }, signal?: AbortSignal): Promise<ObservedRoute>;
  /** UpdateRoute merges: only the fields sent change (see diff.ts for how fields are cleared). */
  updateRoute(loc: Location, routeId: string, fields: RouteFields, signal?: AbortSignal): Promise<ObservedRoute>;
  /** UpdateRoute cannot remove a request parameter; this can. Succeeds when it is already gone. */
  deleteRouteRequestParameter(loc: Location, routeId: string, key: string, signal?: AbortSignal): Promise<void>;
  /** Succeeds when the route or its API is already gone. */
  deleteRoute(loc: Location, routeId: string, signal?: AbortSignal): Promise<void>;
  /** GetRouteResponses, every page; undefined when the route (or its API) does not exist. */
  listRouteResponses(loc: Location, routeId: string, signal?: AbortSignal): Promise<ObservedResponse[] | undefined>;
  createRouteResponse(loc: Location, routeId: string, response: DesiredResponse, signal?: AbortSignal): Promise<void>;
  /** Sets the fields of the response with this id (and key). */
  updateRouteResponse(loc: Location, routeId: string, response: ObservedResponse, signal?: AbortSignal): Promise<void>;
  /** Succeeds when the response is already gone. */
  deleteRouteResponse(loc: Location, routeId: string, responseId: string, signal?: AbortSignal): Promise<void>;
}

/** Which of the gateway's calls the write fence refuses once this replica stops leading. */
export const ROUTE_GATEWAY_VERBS: GatewayVerbs<RouteGateway> = {
  getApiProtocol: 'read',
  getRoute: 'read',
  listRoutes: 'read',
  createRoute: 'write',
  updateRoute: 'write',
  deleteRouteRequestParameter: 'write',
  deleteRoute: 'write',
  listRouteResponses: 'read',
  createRouteResponse: 'write',
  updateRouteResponse: 'write',
  deleteRouteResponse: 'write',
};

export type ApiRouteStore = ObjectStore<ApiRoute, ApiRouteStatusT>;

/**
 * Sharding (--label-selector): the caches hold only matching objects, so an ApiIntegration a route
 * names may exist and still be missing from them. This says which, for that one object.
 */
export interface ShardLookup {
  /** The selector, when `namespace/name` exists but does not match it; undefined when it does not exist. */
  outsideSelector(namespace: string, name: string, signal: AbortSignal): Promise<string | undefined>;
}

export type RouteEventRecorder = ObjectEvents<ApiRoute, RouteEventReason>;
