// spec.lambdaPermission and status.lambdaPermission of ApiIntegration: whether the operator looks at
// (Check), keeps (Managed) or leaves alone (Ignore) the Lambda resource-policy statement that lets
// API Gateway invoke the integration's function. Operator behaviour, not an AWS field, so it stays
// out of the field table, like deletionPolicy and managementPolicy.
import { Type } from '@sinclair/typebox';
import { LIVE, type Liveness } from './conditions.ts';
import { StringEnum } from './group.ts';

/**
 * The statements a Managed object added and has not removed, as a JSON list of status.lambdaPermission's
 * shape: annotations survive backup and restore, status does not.
 */
export const ANNOTATION_LAMBDA_PERMISSIONS = 'apigw.dev/lambda-permissions';

export const LAMBDA_PERMISSION_MODES = ['Check', 'Managed', 'Ignore'] as const;
export type LambdaPermissionMode = (typeof LAMBDA_PERMISSION_MODES)[number];

/** Check when left out: the field stays unset in the spec, so GitOps tools see no diff. */
export const effectiveLambdaPermission = (spec: { lambdaPermission?: LambdaPermissionMode }): LambdaPermissionMode =>
  spec.lambdaPermission ?? 'Check';

export const lambdaPermissionSpecSchema = () =>
  Type.Optional(
    StringEnum(
      LAMBDA_PERMISSION_MODES,
      'Lambda integrations only (integrationUri a function ARN, no credentialsArn): the permission API Gateway needs to invoke the function. Check (default) reads the function policy (lambda:GetPolicy) and sets Live=False, reason LambdaPermissionMissing, with the add-permission command when no statement lets this API invoke it; Managed, where the operator runs with --manage-lambda-permissions (else it acts as Check), also keeps one statement of its own for this API (lambda:AddPermission) and removes it on delete or move unless deletionPolicy is Retain; Ignore neither reads nor writes it.',
    ),
  );

export const lambdaPermissionStatusSchema = () =>
  Type.Optional(
    Type.Object(
      {
        functionArn: Type.String({ description: 'The function (unqualified ARN) the statement is on.' }),
        qualifier: Type.Optional(Type.String({ description: 'The version or alias the statement is on.' })),
        statementId: Type.String({ description: 'The statement id the operator added.' }),
        sourceArn: Type.String({ description: 'The execute-api ARN the statement allows.' }),
      },
      {
        description:
          'lambdaPermission Managed: the statement the operator added to the function policy (recorded in the apigw.dev/lambda-permissions annotation too), removed on delete or move.',
      },
    ),
  );

/** The Live reasons that come from the function policy, not from the stages. */
export const LAMBDA_PERMISSION_LIVE_REASONS = [
  'LambdaPermissionMissing',
  'LambdaPermissionConflict',
  'LambdaPermissionUnknown',
  'LambdaFunctionNotFound',
] as const;
export type LambdaPermissionLiveReason = (typeof LAMBDA_PERMISSION_LIVE_REASONS)[number];

const PERMISSION_REASONS: ReadonlySet<string> = new Set(LAMBDA_PERMISSION_LIVE_REASONS);

/**
 * What an ApiIntegration's status last said about its function policy, when that keeps callers
 * from being served: read by the integration itself between looks, and by the routes that target
 * it, since a caller of such a route gets a 500 whatever the stages deploy.
 */
export function recordedPermissionBlocker(obj: {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}): Liveness | undefined {
  const live = obj.status?.conditions?.find((c) => c.type === LIVE);
  if (!live || !PERMISSION_REASONS.has(live.reason ?? '')) return undefined;
  return { status: live.status as Liveness['status'], reason: live.reason!, message: live.message ?? '' };
}
