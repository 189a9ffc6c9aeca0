// What keeps API Gateway from invoking an integration's Lambda function, for the Live condition
// (the generic shell asks each kind; src/kind/live.ts ranks it). A pass that did not look at the
// permission (a failure, an update step) keeps what the last look found, so Live does not flicker.
import type { Liveness } from '../api/v1alpha1/conditions.ts';
import { recordedPermissionBlocker } from '../api/v1alpha1/lambda-permission.ts';
import type { ApiIntegration } from '../api/v1alpha1/types.ts';
import type { ReportedIntegration } from './plan.ts';

export function liveBlockerOf(obj: ApiIntegration, reported: ReportedIntegration | undefined): Liveness | undefined {
  if (reported?.permission) return reported.permission.blocker;
  return recordedPermissionBlocker(obj);
}
