// Converts between the spec's lowerCamelCase integration fields and the SDK's PascalCase shapes.
import type { Integration } from '@aws-sdk/client-apigatewayv2';
import type { IntegrationFields, ObservedIntegration } from '../../apiintegration/ports.ts';

const SCALARS = [
  'integrationType', 'integrationUri', 'integrationMethod', 'integrationSubtype', 'connectionType', 'connectionId',
  'credentialsArn', 'description', 'payloadFormatVersion', 'passthroughBehavior', 'contentHandlingStrategy',
  'templateSelectionExpression', 'timeoutInMillis',
] as const;
const MAPS = ['requestParameters', 'requestTemplates', 'responseParameters'] as const;

const pascal = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** SDK input members for CreateIntegration / UpdateIntegration. Absent fields are not sent. */
export function toSdkInput(fields: IntegrationFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of [...SCALARS, ...MAPS]) {
    const v = fields[k];
    if (v !== undefined) out[pascal(k)] = v;
  }
  if (fields.tlsConfig) out.TlsConfig = { ServerNameToVerify: fields.tlsConfig.serverNameToVerify };
  return out;
}

/** What AWS reports, with nulls and absent members dropped. */
export function fromSdk(i: Integration): ObservedIntegration {
  const src = i as Record<string, unknown>;
  const out: Record<string, unknown> = { integrationId: i.IntegrationId ?? '' };
  for (const k of [...SCALARS, ...MAPS, 'integrationResponseSelectionExpression', 'apiGatewayManaged'] as const) {
    const v = src[pascal(k)];
    if (v !== undefined && v !== null) out[k] = v;
  }
  if (i.TlsConfig?.ServerNameToVerify) out.tlsConfig = { serverNameToVerify: i.TlsConfig.ServerNameToVerify };
  return out as unknown as ObservedIntegration;
}
