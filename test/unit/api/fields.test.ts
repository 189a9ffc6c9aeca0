// The field table is the one list of integration fields: the schema's spec properties are exactly
// its rows plus the operator's own fields, status.observed has a property for every row it reports,
// and every row survives the trip to the SDK and back. A new AWS field is a row plus a property.
import { describe, expect, it } from '@jest/globals';
import {
  FIELD_NAMES,
  INTEGRATION_FIELDS,
  OPERATOR_FIELDS,
  REPORTED_ONLY,
  SUB_RESOURCE_FIELDS,
} from '../../../src/api/v1alpha1/fields.ts';
import { ApiIntegrationSpec, ObservedIntegration } from '../../../src/api/v1alpha1/schema.ts';
import { fromSdk, toSdkInput } from '../../../src/adapters/aws/mapping.ts';
import { diffIntegration } from '../../../src/apiintegration/diff.ts';
import { nextStatus } from '../../../src/apiintegration/status.ts';
import { object } from '../apiintegration/fixtures.ts';

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('the integration field table', () => {
  it('covers the spec: schema properties = table rows + operator fields', () => {
    expect(sorted(Object.keys(ApiIntegrationSpec.properties))).toEqual(
      sorted([...FIELD_NAMES, ...OPERATOR_FIELDS, ...SUB_RESOURCE_FIELDS]),
    );
  });

  it('has a status.observed property for every row it reports, and for what AWS alone reports', () => {
    const reported = FIELD_NAMES.filter((f) => INTEGRATION_FIELDS[f].observed);
    const props = new Set(Object.keys(ObservedIntegration.properties));
    for (const f of [...reported, ...REPORTED_ONLY]) expect(props.has(f)).toBe(true);
  });

  it('sends, reads back and compares every row (a row missed anywhere would show up here)', () => {
    const sample: Record<string, unknown> = {
      integrationType: 'HTTP_PROXY',
      integrationUri: 'https://x',
      integrationMethod: 'GET',
      integrationSubtype: 'SQS-SendMessage',
      connectionType: 'VPC_LINK',
      connectionId: 'vl1',
      credentialsArn: 'arn:aws:iam::123456789012:role/r',
      description: 'd',
      payloadFormatVersion: '1.0',
      passthroughBehavior: 'NEVER',
      contentHandlingStrategy: 'CONVERT_TO_TEXT',
      templateSelectionExpression: '$request.body.a',
      timeoutInMillis: 1234,
      requestParameters: { a: 'b' },
      requestTemplates: { 'application/json': '{}' },
      responseParameters: { '200': { 'overwrite:statuscode': '201' } },
      tlsConfig: { serverNameToVerify: 'h' },
    };
    // The sample itself must name every row, so a new row forces a new sample value.
    expect(sorted(Object.keys(sample))).toEqual(sorted(FIELD_NAMES));
    const sdk = toSdkInput(sample);
    expect(Object.keys(sdk)).toHaveLength(FIELD_NAMES.length);
    const back = fromSdk({ ...sdk, IntegrationId: 'i1' });
    expect(back).toEqual({ integrationId: 'i1', ...sample });
    // Each row, changed alone, is seen by the diff and sent in the update.
    for (const f of FIELD_NAMES) {
      if (f === 'integrationType') continue;
      const held = {
        ...back,
        [f]:
          f === 'timeoutInMillis'
            ? 999
            : f === 'tlsConfig'
              ? { serverNameToVerify: 'other' }
              : typeof sample[f] === 'object'
                ? { other: 'x' }
                : 'other',
      };
      const d = diffIntegration(sample, held, 'HTTP');
      expect(d.changed).toContain(f);
    }
  });

  it('puts the observed rows into status.observed', () => {
    const status = nextStatus(
      object(),
      {
        outcome: { kind: 'Ready', reason: 'Synced', message: '' },
        integrationId: 'i1',
        observed: {
          integrationId: 'i1',
          integrationType: 'AWS_PROXY',
          timeoutInMillis: 30000,
          apiGatewayManaged: false,
          description: 'not reported',
        },
      },
      new Date(0),
    );
    expect(status.observed).toEqual({
      integrationType: 'AWS_PROXY',
      timeoutInMillis: 30000,
      apiGatewayManaged: false,
      connectionType: 'INTERNET',
    });
  });
});
