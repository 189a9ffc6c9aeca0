// The route's one addition to the closed error set (src/kind/errors.ts): CreateRoute or
// UpdateRoute refused because the API already has a route with that key. AWS answers it with 409
// ConflictException "Route with key ANY /{proxy+} already exists for this API" (anomalyco/sst#5031),
// the same exception as a concurrent modification, so the adapter tells them apart by the message
// and throws this class; the reconciler switches on the class, never on the text.
import { AwsError, type AwsErrorDetails, type AwsErrorKind } from '../kind/errors.ts';
import type { RouteConditionReason } from './reasons.ts';

export class RouteKeyExistsError extends AwsError {
  readonly routeKey: string;
  // Rejected: should one ever escape the reconciler, retrying soon would not help either.
  constructor(routeKey: string, message: string, details: AwsErrorDetails) {
    super('Rejected', message, details);
    this.name = 'RouteKeyExistsError';
    this.routeKey = routeKey;
  }
}

// Routes are never "in use": nothing refuses a route's delete because of what targets it.
const ROUTE_REASONS: Record<AwsErrorKind, RouteConditionReason> = {
  Rejected: 'AwsRejected',
  AccessDenied: 'AwsAccessDenied',
  Throttled: 'AwsThrottled',
  Conflict: 'ConcurrentModification',
  InUse: 'AwsRejected',
  QuotaExceeded: 'QuotaExceeded',
  Transient: 'AwsUnavailable',
};

/** The condition reason an AWS failure gives an ApiRoute. */
export const routeReasonOf = (err: AwsError): RouteConditionReason => ROUTE_REASONS[err.kind];
