// The ownership marker in `description` is how a lost create is found again (integrations take no
// tags): it must be found in what AWS hands back, and never eat into the user's own text.
import { describe, expect, it } from '@jest/globals';
import {
  desiredFields,
  desiredLocation,
  markedDescription,
  ownerOf,
  userDescription,
} from '../../../src/apiintegration/desired.ts';
import { locationKey, parseLocationKey } from '../../../src/kind/record.ts';
import { UID, lambdaSpec } from './fixtures.ts';

describe('the ownership marker', () => {
  it.each([
    ['with the user text', 'orders backend'],
    ['alone', undefined],
    ['after text that looks like a marker', 'see [apigw.dev/owner=abc] docs'],
  ])('round-trips %s', (_what, text) => {
    const d = markedDescription(text, UID);
    expect(ownerOf(d)).toBe(UID);
    expect(userDescription(d)).toBe(text);
  });

  it.each([
    ['no description', undefined],
    ['a description without a marker', 'made by hand'],
    ['a marker not at the end', '[apigw.dev/owner=abc] made by hand'],
    ['a marker glued to the text', 'text[apigw.dev/owner=abc]'],
  ])('finds no owner in %s', (_what, d) => {
    expect(ownerOf(d)).toBeUndefined();
    expect(userDescription(d)).toBe(d);
  });
});

describe('what AWS should hold', () => {
  it('sends the integration fields with the marker, never the operator fields', () => {
    const spec = {
      ...lambdaSpec,
      region: 'eu-west-1',
      deletionPolicy: 'Retain' as const,
      description: 'hi',
      timeoutInMillis: undefined,
    };
    const f = desiredFields(spec, UID);
    expect(f).toEqual({
      integrationType: 'AWS_PROXY',
      integrationUri: lambdaSpec.integrationUri,
      payloadFormatVersion: '2.0',
      description: markedDescription('hi', UID),
    });
  });

  it('lives in the spec region, else the default one, under the namespace role if any', () => {
    expect(desiredLocation(lambdaSpec, 'us-east-1')).toEqual({ region: 'us-east-1', apiId: 'api1' });
    expect(desiredLocation({ ...lambdaSpec, region: 'eu-west-1' }, 'us-east-1', 'arn:role')).toEqual({
      region: 'eu-west-1',
      apiId: 'api1',
      roleArn: 'arn:role',
    });
  });

  it('writes a place as region/apiId and reads back only that shape', () => {
    expect(parseLocationKey(locationKey({ region: 'eu-west-1', apiId: 'abc123' }))).toEqual({
      region: 'eu-west-1',
      apiId: 'abc123',
    });
    for (const bad of [undefined, '', 'eu-west-1', 'eu-west-1/', 'EU/abc', 'eu-west-1/abc/def'])
      expect(parseLocationKey(bad)).toBeUndefined();
  });
});
