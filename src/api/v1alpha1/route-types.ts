// TypeScript types of the ApiRoute resource, derived from its schema.
import type { Static } from '@sinclair/typebox';
import type { ApiRouteSpec, ApiRouteStatus, ObservedRoute } from './route-schema.ts';
import type { KindObject } from './group.ts';

export type ApiRouteSpecT = Static<typeof ApiRouteSpec>;
export type ApiRouteStatusT = Static<typeof ApiRouteStatus>;
export type ObservedRouteT = Static<typeof ObservedRoute>;

export type ApiRoute = KindObject<ApiRouteSpecT, ApiRouteStatusT>;

/** `apigw.dev/route-id`: the route this object manages (status is not restored by backup tools). */
export const ANNOTATION_ROUTE_ID = 'apigw.dev/route-id';
