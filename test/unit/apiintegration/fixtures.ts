// Builders for ApiIntegration objects and observed integrations used by the decision tables.
import type { ApiIntegration, ApiIntegrationSpecT } from '../../../src/api/v1alpha1/types.ts';
import { FINALIZER } from '../../../src/api/v1alpha1/group.ts';
import { markedDescription } from '../../../src/apiintegration/desired.ts';
import type { ObservedIntegration } from '../../../src/apiintegration/ports.ts';

export const UID = '0b9f6c1e-1111-4222-8333-944455556666';

export const lambdaSpec: ApiIntegrationSpecT = {
  apiId: 'api1',
  integrationType: 'AWS_PROXY',
  integrationUri: 'arn:aws:lambda:us-east-1:123456789012:function:hello',
  payloadFormatVersion: '2.0',
};

export function object(
  over: {
    spec?: Partial<ApiIntegrationSpecT>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deleting?: boolean;
    generation?: number;
  } = {},
): ApiIntegration {
  return {
    apiVersion: 'apigw.dev/v1alpha1',
    kind: 'ApiIntegration',
    metadata: {
      name: 'hello',
      namespace: 'team-a',
      uid: UID,
      generation: over.generation ?? 1,
      resourceVersion: '10',
      finalizers: over.finalizers ?? [FINALIZER],
      annotations: over.annotations ?? {},
      ...(over.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { ...lambdaSpec, ...over.spec } as ApiIntegrationSpecT,
  };
}

export function observed(over: Partial<ObservedIntegration> = {}): ObservedIntegration {
  return {
    integrationId: 'int1',
    integrationType: 'AWS_PROXY',
    integrationUri: lambdaSpec.integrationUri,
    payloadFormatVersion: '2.0',
    integrationMethod: 'POST',
    timeoutInMillis: 30000,
    connectionType: 'INTERNET',
    description: markedDescription(undefined, UID),
    ...over,
  };
}

export const recordedAt = (id = 'int1', apiId = 'api1') => ({
  'apigw.dev/integration-id': id,
  'apigw.dev/location': `us-east-1/${apiId}`,
});
