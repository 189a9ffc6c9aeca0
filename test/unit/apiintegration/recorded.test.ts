// What the object remembers about AWS in its annotations, read back exactly as written: a restored
// object (annotations survive backups, status does not) must know its integration, a create that
// may have happened, and an old integration still to delete; a malformed marker means nothing.
import { describe, expect, it } from '@jest/globals';
import { pendingAnnotation, recordAnnotations, recordedOf } from '../../../src/apiintegration/recorded.ts';
import { clearPendingAnnotation, clearSupersededAnnotation, samePlace } from '../../../src/kind/record.ts';
import { object } from './fixtures.ts';

const api1 = { region: 'us-east-1', apiId: 'api1' };
const api2 = { region: 'eu-west-1', apiId: 'api2' };

/** Applies an annotation patch the way a merge patch does: null removes the key. */
function annotated(...patches: Record<string, string | null>[]) {
  const a: Record<string, string> = {};
  for (const p of patches)
    for (const [k, v] of Object.entries(p)) {
      if (v === null) delete a[k];
      else a[k] = v;
    }
  return object({ annotations: a });
}

describe('recordedOf', () => {
  it('reads back what recordAnnotations wrote, closing the pending create', () => {
    const obj = annotated(pendingAnnotation(api1, 1_000.7), recordAnnotations('int1', api1, 5_000));
    expect(recordedOf(obj)).toEqual({ integrationId: 'int1', location: api1, recordedAt: 5_000 });
  });

  it('reads back a move: the new integration, and the old one still to delete', () => {
    const obj = annotated(recordAnnotations('int2', api2, 5_000, { location: api1, integrationId: 'int1' }));
    expect(recordedOf(obj)).toEqual({
      integrationId: 'int2',
      location: api2,
      recordedAt: 5_000,
      superseded: { location: api1, integrationId: 'int1' },
    });
    const cleared = annotated(
      recordAnnotations('int2', api2, 5_000, { location: api1, integrationId: 'int1' }),
      clearSupersededAnnotation(),
    );
    expect(recordedOf(cleared).superseded).toBeUndefined();
  });

  it('reads a pending create with the time it was marked, in whole milliseconds', () => {
    expect(recordedOf(annotated(pendingAnnotation(api1, 1_000.7)))).toEqual({ pending: api1, pendingSince: 1000 });
    expect(recordedOf(annotated(pendingAnnotation(api1, 5), clearPendingAnnotation()))).toEqual({});
  });

  it('reads a pending marker written before markers carried a time', () => {
    expect(recordedOf(object({ annotations: { 'apigw.dev/create-pending': 'us-east-1/api1' } }))).toEqual({
      pending: api1,
    });
  });

  it('falls back to status when the annotations are gone', () => {
    const obj = { ...object(), status: { integrationId: 'int9', observed: { apiId: 'api1', region: 'us-east-1' } } };
    expect(recordedOf(obj)).toEqual({ integrationId: 'int9', location: api1 });
  });

  it.each([
    ['an id without a place', { 'apigw.dev/integration-id': 'int1' }, {}],
    ['a place that is not region/apiId', { 'apigw.dev/integration-id': 'int1', 'apigw.dev/location': 'nonsense' }, {}],
    ['a pending marker with a broken time', { 'apigw.dev/create-pending': 'us-east-1/api1@soon' }, { pending: api1 }],
    ['a pending marker with no place', { 'apigw.dev/create-pending': '@123' }, {}],
    ['a superseded marker with a part missing', { 'apigw.dev/superseded': 'us-east-1//int1' }, {}],
    ['a superseded marker with a part too many', { 'apigw.dev/superseded': 'us-east-1/api1/int1/x' }, {}],
  ])('ignores %s', (_what, annotations, expected) => {
    expect(recordedOf(object({ annotations }))).toEqual(expected);
  });
});

describe('samePlace', () => {
  it('is the same region and API, and never true for an unknown place', () => {
    expect(samePlace(api1, { ...api1 })).toBe(true);
    expect(samePlace(api1, { ...api1, region: 'eu-west-1' })).toBe(false);
    expect(samePlace(api1, undefined)).toBe(false);
    expect(samePlace(undefined, undefined)).toBe(false);
  });
});
