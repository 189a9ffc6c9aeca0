// Converts between the spec's lowerCamelCase integration fields and the SDK's PascalCase shapes,
// row by row of the field table.
import type { CreateIntegrationCommandInput, Integration } from '@aws-sdk/client-apigatewayv2';
import {
  FIELD_NAMES,
  INTEGRATION_FIELDS,
  REPORTED_ONLY,
  type IntegrationFieldName,
} from '../../api/v1alpha1/fields.ts';
import type { IntegrationFields, ObservedIntegration } from '../../apiintegration/ports.ts';

// Checked by the compiler: every row names a real CreateIntegration member.
const AWS_NAME = Object.fromEntries(FIELD_NAMES.map((f) => [f, INTEGRATION_FIELDS[f].aws])) as Record<
  IntegrationFieldName,
  keyof CreateIntegrationCommandInput
>;
const REPORTED_AWS = {
  integrationResponseSelectionExpression: 'IntegrationResponseSelectionExpression',
  apiGatewayManaged: 'ApiGatewayManaged',
} as const satisfies Record<(typeof REPORTED_ONLY)[number], keyof Integration>;

/** SDK input members for CreateIntegration / UpdateIntegration. Absent fields are not sent. */
export function toSdkInput(fields: IntegrationFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of FIELD_NAMES) {
    const v = fields[f];
    if (v === undefined) continue;
    out[AWS_NAME[f]] =
      INTEGRATION_FIELDS[f].kind === 'tls'
        ? { ServerNameToVerify: (v as { serverNameToVerify?: string }).serverNameToVerify }
        : v;
  }
  return out;
}

/** What AWS reports, with nulls and absent members dropped. */
export function fromSdk(i: Integration): ObservedIntegration {
  const src = i as Record<string, unknown>;
  const out: Record<string, unknown> = { integrationId: i.IntegrationId ?? '' };
  for (const f of FIELD_NAMES) {
    const v = src[AWS_NAME[f]];
    if (v === undefined || v === null) continue;
    if (INTEGRATION_FIELDS[f].kind !== 'tls') out[f] = v;
    else if (i.TlsConfig?.ServerNameToVerify) out[f] = { serverNameToVerify: i.TlsConfig.ServerNameToVerify };
  }
  for (const k of REPORTED_ONLY) {
    const v = src[REPORTED_AWS[k]];
    if (v !== undefined && v !== null) out[k] = v;
  }
  return out as unknown as ObservedIntegration;
}
