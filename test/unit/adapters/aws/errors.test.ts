// Every AWS failure lands in one of the classes the reconciler acts on, keeping the request id.
import { describe, expect, it } from '@jest/globals';
import { isNotFound, routeIdsOf, translate } from '../../../../src/adapters/aws/errors.ts';
import { fromSdk, toSdkInput } from '../../../../src/adapters/aws/mapping.ts';
import { AwsError, CredentialsError } from '../../../../src/kind/errors.ts';

const sdkError = (name: string, status?: number) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status, requestId: 'req-123' } });

describe('translate', () => {
  it.each([
    ['BadRequestException', 400, 'Rejected', true],
    ['AccessDeniedException', 403, 'AccessDenied', true],
    ['TooManyRequestsException', 429, 'Throttled', false],
    ['LimitExceededException', 429, 'Throttled', false],
    ['ConflictException', 409, 'Conflict', false],
    ['InternalServerError', 500, 'Transient', false],
    ['UnknownError', 502, 'Transient', false],
    ['SomethingNew', 418, 'Rejected', true],
  ])('%s (%i) is %s', (name, status, kind, terminal) => {
    const e = translate(sdkError(name, status), 'CreateIntegration') as AwsError;
    expect(e).toBeInstanceOf(AwsError);
    expect(e.kind).toBe(kind);
    expect(e.terminal).toBe(terminal);
    expect(e.requestId).toBe('req-123');
    expect(e.operation).toBe('CreateIntegration');
    expect(e.message).toContain('CreateIntegration');
  });

  it.each([
    ['UnrecognizedClientException', 403],
    ['InvalidClientTokenId', 403],
    ['ExpiredTokenException', 403],
    ['ExpiredToken', 400],
    ['InvalidSignatureException', 403],
    ['SignatureDoesNotMatch', 403],
  ])(
    '%s (%i) refuses the credentials themselves: AwsCredentials, for the identity the call was made as',
    (name, status) => {
      const own = translate(sdkError(name, status), 'GetIntegration', { read: true });
      expect(own).toBeInstanceOf(CredentialsError);
      expect(own).toMatchObject({ reason: 'AwsCredentials', roleArn: undefined });
      expect(own.message).toContain(`GetIntegration: ${name} happened`);
      const role = 'arn:aws:iam::444455556666:role/team';
      const asRole = translate(sdkError(name, status), 'CreateIntegration', { roleArn: role });
      expect(asRole).toMatchObject({ reason: 'AwsCredentials', roleArn: role });
      expect(asRole.message).toContain(`cannot use role ${role}`);
    },
  );

  it('tells apart the three ConflictExceptions AWS sends, by message', () => {
    const conflict = (status: number, message: string) =>
      translate(
        Object.assign(new Error(message), { name: 'ConflictException', $metadata: { httpStatusCode: status } }),
        'Op',
      ) as AwsError;
    const inUse = conflict(
      409,
      'Cannot delete Integration because it is referenced by the following Routes with Ids: [xrfucl1, ab12cd3]',
    );
    expect(inUse).toMatchObject({ kind: 'InUse', reason: 'IntegrationInUse', routeIds: ['xrfucl1', 'ab12cd3'] });
    expect(inUse.terminal).toBe(false);
    // Quota: ConflictException with HTTP 429, which must not read as throttling (retried at once).
    const quota = conflict(429, 'Maximum number of Integrations for this API has been reached');
    expect(quota).toMatchObject({ kind: 'QuotaExceeded', reason: 'QuotaExceeded' });
    expect(quota.terminal).toBe(true);
    const busy = conflict(409, 'Unable to complete operation due to concurrent modification. Please try again later.');
    expect(busy).toMatchObject({ kind: 'Conflict', reason: 'ConcurrentModification' });
    expect(busy.terminal).toBe(false);
  });

  it('retries the 400s that pass on their own instead of stalling the object on them', () => {
    const refusal = (name: string, status: number, message: string) =>
      translate(Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } }), 'Op') as AwsError;
    const elb = refusal(
      'BadRequestException',
      400,
      'Unable to retrieve listener port and load balancer DNS name from ELB listener: arn:aws:elasticloadbalancing:…',
    );
    expect(elb).toMatchObject({ kind: 'Transient', reason: 'AwsUnavailable' });
    expect(elb.terminal).toBe(false);
    // Refused all the same: a create that drew it made nothing, so its pending marker can go.
    expect(elb.changedNothing).toBe(true);
    const busy = refusal(
      'BadRequestException',
      400,
      'Unable to complete operation due to concurrent modification. Please try again later.',
    );
    expect(busy).toMatchObject({ kind: 'Conflict', reason: 'ConcurrentModification' });
    expect(busy.terminal).toBe(false);
  });

  it('leaves a create in doubt only when AWS gave no refusal (timeout, reset, 5xx)', () => {
    expect((translate(sdkError('InternalServerError', 500), 'Op') as AwsError).changedNothing).toBe(false);
    expect((translate(new Error('socket hang up'), 'Op') as AwsError).changedNothing).toBe(false);
    expect((translate(sdkError('RequestTimeout', 408), 'Op') as AwsError).changedNothing).toBe(false);
    expect((translate(sdkError('BadRequestException', 400), 'Op') as AwsError).changedNothing).toBe(true);
    expect((translate(sdkError('ConflictException', 409), 'Op') as AwsError).changedNothing).toBe(true);
  });

  it('reads the route ids out of AWS message, one or many', () => {
    expect(routeIdsOf('... referenced by the following Routes with Ids: [xrfucl1]')).toEqual(['xrfucl1']);
    expect(routeIdsOf('... Routes with Ids: [a1, b2,c3]')).toEqual(['a1', 'b2', 'c3']);
    expect(routeIdsOf('something else')).toEqual([]);
  });

  it('never makes a read terminal: a 400 on a listing (an expired page token) is retried', () => {
    const e = translate(sdkError('BadRequestException', 400), 'GetIntegrations', { read: true }) as AwsError;
    expect(e.kind).toBe('Transient');
    expect(e.terminal).toBe(false);
  });

  it('treats network failures without a status as transient', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', name: 'Error' });
    expect((translate(reset, 'GetIntegration') as AwsError).kind).toBe('Transient');
  });

  it('recognises NotFound by name or status', () => {
    expect(isNotFound(sdkError('NotFoundException', 404))).toBe(true);
    expect(isNotFound(sdkError('Whatever', 404))).toBe(true);
    expect(isNotFound(sdkError('BadRequestException', 400))).toBe(false);
  });
});

describe('SDK mapping', () => {
  it('round-trips every integration field between spec names and SDK names', () => {
    const fields = {
      integrationType: 'HTTP_PROXY',
      integrationUri: 'https://x',
      integrationMethod: 'GET',
      connectionType: 'VPC_LINK',
      connectionId: 'vl1',
      credentialsArn: 'arn:aws:iam::123456789012:role/r',
      description: 'd',
      payloadFormatVersion: '1.0',
      timeoutInMillis: 1000,
      requestParameters: { 'append:header.a': 'b' },
      responseParameters: { '200': { 'overwrite:statuscode': '201' } },
      tlsConfig: { serverNameToVerify: 'h' },
    };
    const sdk = toSdkInput(fields);
    expect(sdk).toMatchObject({
      IntegrationType: 'HTTP_PROXY',
      TlsConfig: { ServerNameToVerify: 'h' },
      RequestParameters: { 'append:header.a': 'b' },
    });
    expect(fromSdk({ ...sdk, IntegrationId: 'i1' })).toEqual({ integrationId: 'i1', ...fields });
  });
  it('drops nulls that the emulator serialises', () => {
    expect(fromSdk({ IntegrationId: 'i1', Description: null, TimeoutInMillis: 30000 } as never)).toEqual({
      integrationId: 'i1',
      timeoutInMillis: 30000,
    });
  });
});
