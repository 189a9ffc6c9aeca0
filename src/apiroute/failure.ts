// What a failed ApiRoute pass means: the same decision as for ApiIntegration
// (src/kind/failure.ts), with failures named in the route's own vocabulary.
import type { ApiRoute } from '../api/v1alpha1/route-types.ts';
import { AwsError, CredentialsError, type RoleNotAllowedError } from '../kind/errors.ts';
import { failureOf, type FailureResponse } from '../kind/failure.ts';
import { routeReasonOf } from './errors.ts';
import type { RouteConditionReason, RouteEventReason } from './reasons.ts';

export type RouteFailureResponse = FailureResponse<RouteConditionReason, RouteEventReason>;

function reasonOf(err: AwsError | CredentialsError | RoleNotAllowedError): RouteConditionReason {
  if (err instanceof AwsError) return routeReasonOf(err);
  return err instanceof CredentialsError ? 'AwsCredentials' : 'RoleNotAllowed';
}

export function routeFailureResponse(err: unknown, obj: ApiRoute): RouteFailureResponse {
  return failureOf(err, { obj, reasonOf });
}
