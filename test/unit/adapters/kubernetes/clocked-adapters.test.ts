// The Kubernetes adapters that keep time read it from the injected clock: Events are not repeated
// within their de-duplication window and carry the clock's time, and a Namespace's role annotations
// and allowed API ids are cached for their TTL. The transport (KubeRest) is replaced; what is sent is the assertion.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import { pino } from 'pino';
import { KubeEventRecorder } from '../../../../src/adapters/kubernetes/events.ts';
import {
  ALLOWED_API_IDS_ANNOTATION,
  ALLOWED_CREDENTIALS_ARNS_ANNOTATION,
  ALLOWED_ROLES_ANNOTATION,
  NAMESPACE_POLICY_TTL_MS,
  NamespaceAnnotationPolicy,
  ROLE_ANNOTATION,
} from '../../../../src/adapters/kubernetes/namespace-policy.ts';
import { KubeRest } from '../../../../src/adapters/kubernetes/rest.ts';
import { RoleNotAllowedError } from '../../../../src/kind/errors.ts';
import { FakeClock } from '../../../../src/runtime/clock.ts';
import { object } from '../../apiintegration/fixtures.ts';
import { unreachableKubeConfig } from '../../../support/local-kube.ts';

const logger = pino({ level: 'silent' });
const MINUTE = 60_000;

const kubeConfig = unreachableKubeConfig;

type Request = [method: string, path: string, opts?: { body?: unknown }];
let requests: Request[];
let answer: (path: string) => unknown;

beforeEach(() => {
  requests = [];
  answer = () => ({});
  jest.spyOn(KubeRest.prototype, 'request').mockImplementation(async (...args: unknown[]) => {
    requests.push(args as Request);
    return answer(args[1] as string);
  });
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('KubeEventRecorder on a fake clock', () => {
  const sent = () =>
    requests.map(([, , opts]) => {
      const body = opts?.body as { reason: string; message: string; firstTimestamp: Date; lastTimestamp: Date };
      return {
        reason: body.reason,
        message: body.message,
        first: body.firstTimestamp.toISOString(),
        last: body.lastTimestamp.toISOString(),
      };
    });

  it("stamps each Event with the clock's time and repeats one only after its window has passed", async () => {
    const clock = new FakeClock(Date.UTC(2026, 2, 1, 12, 0, 0));
    const events = new KubeEventRecorder(kubeConfig(), logger, { clock });
    const obj = object();

    events.record(obj, 'Normal', 'Created', 'created integration i-1');
    await clock.advance(5 * MINUTE - 1);
    events.record(obj, 'Normal', 'Created', 'created integration i-1');
    expect(sent()).toHaveLength(1);

    await clock.advance(1);
    events.record(obj, 'Normal', 'Created', 'created integration i-1');
    expect(sent()).toEqual([
      {
        reason: 'Created',
        message: 'created integration i-1',
        first: '2026-03-01T12:00:00.000Z',
        last: '2026-03-01T12:00:00.000Z',
      },
      {
        reason: 'Created',
        message: 'created integration i-1',
        first: '2026-03-01T12:05:00.000Z',
        last: '2026-03-01T12:05:00.000Z',
      },
    ]);
    expect(requests[0]!.slice(0, 2)).toEqual(['POST', '/api/v1/namespaces/team-a/events']);
  });

  it('counts the window from the last Event sent, not from the suppressed ones', async () => {
    const clock = new FakeClock();
    const events = new KubeEventRecorder(kubeConfig(), logger, { clock, windowMs: MINUTE });
    const obj = object();
    for (let i = 0; i < 4; i++) {
      events.record(obj, 'Warning', 'AwsError', 'throttled');
      await clock.advance(MINUTE / 2);
    }
    // Sent at 0 and at 60 s; the records at 30 s and 90 s fell inside a window.
    expect(sent().map((e) => e.first)).toEqual([
      new Date(clock.now() - 2 * MINUTE).toISOString(),
      new Date(clock.now() - MINUTE).toISOString(),
    ]);
  });

  it('de-duplicates by object, reason and message: any difference is a new Event', () => {
    const clock = new FakeClock();
    const events = new KubeEventRecorder(kubeConfig(), logger, { clock });
    const a = object();
    const b = { ...object(), metadata: { ...object().metadata, uid: 'another-uid' } };
    events.record(a, 'Normal', 'Created', 'one');
    events.record(a, 'Normal', 'Created', 'two');
    events.record(a, 'Normal', 'Updated', 'one');
    events.record(b, 'Normal', 'Created', 'one');
    events.record(a, 'Normal', 'Created', 'one');
    expect(sent().map((e) => `${e.reason} ${e.message}`)).toEqual([
      'Created one',
      'Created two',
      'Updated one',
      'Created one',
    ]);
  });
});

describe('NamespaceAnnotationPolicy on a fake clock', () => {
  let annotations: Record<string, string>;

  beforeEach(() => {
    annotations = { [ROLE_ANNOTATION]: 'arn:aws:iam::111111111111:role/a' };
    answer = () => ({ metadata: { name: 'team-a', annotations: { ...annotations } } });
  });

  it('answers from the cache for the TTL, then reads the Namespace again', async () => {
    const clock = new FakeClock();
    const policy = new NamespaceAnnotationPolicy(kubeConfig(), { clock, ttlMs: MINUTE });
    expect(await policy.roleFor('team-a')).toBe('arn:aws:iam::111111111111:role/a');

    annotations = {
      [ROLE_ANNOTATION]: 'arn:aws:iam::111111111111:role/b',
      [ALLOWED_ROLES_ANNOTATION]: 'arn:aws:iam::111111111111:role/c',
    };
    await clock.advance(MINUTE - 1);
    expect(await policy.roleFor('team-a')).toBe('arn:aws:iam::111111111111:role/a');
    await expect(policy.roleFor('team-a', 'arn:aws:iam::111111111111:role/c')).rejects.toBeInstanceOf(
      RoleNotAllowedError,
    );
    expect(requests).toHaveLength(1);

    await clock.advance(1);
    expect(await policy.roleFor('team-a')).toBe('arn:aws:iam::111111111111:role/b');
    expect(await policy.roleFor('team-a', 'arn:aws:iam::111111111111:role/c')).toBe('arn:aws:iam::111111111111:role/c');
    expect(requests.map(([m, p]) => `${m} ${p}`)).toEqual([
      'GET /api/v1/namespaces/team-a',
      'GET /api/v1/namespaces/team-a',
    ]);
  });

  it('caches each Namespace on its own clock reading, and a missing Namespace as having no role', async () => {
    const clock = new FakeClock();
    const policy = new NamespaceAnnotationPolicy(kubeConfig(), { clock });
    answer = (path) => {
      if (path.endsWith('/gone')) throw new ApiException(404, 'not found', {}, {});
      return { metadata: { annotations } };
    };
    expect(await policy.roleFor('gone')).toBeUndefined();
    await clock.advance(15_000);
    expect(await policy.roleFor('team-a')).toBe('arn:aws:iam::111111111111:role/a');
    // The default TTL is 30 s: 'gone' expires first, 'team-a' 15 s later.
    await clock.advance(15_000);
    await policy.roleFor('gone');
    await policy.roleFor('team-a');
    expect(requests.map(([, p]) => p.split('/').pop())).toEqual(['gone', 'team-a', 'gone']);
    await clock.advance(15_000);
    await policy.roleFor('team-a');
    expect(requests.map(([, p]) => p.split('/').pop())).toEqual(['gone', 'team-a', 'gone', 'team-a']);
  });

  it('answers the allowed API ids from the same cached read, and requires the annotation only when told', async () => {
    const clock = new FakeClock();
    const required = new NamespaceAnnotationPolicy(kubeConfig(), { clock, requireAllowedApiIds: true });
    const optional = new NamespaceAnnotationPolicy(kubeConfig(), { clock });
    expect(await required.allowedApis('team-a')).toEqual({ any: false, ids: [], missing: true });
    expect(await optional.allowedApis('team-a')).toEqual({ any: true });

    annotations = { [ALLOWED_API_IDS_ANNOTATION]: 'api1, api2' };
    await clock.advance(NAMESPACE_POLICY_TTL_MS - 1);
    expect(await required.roleFor('team-a')).toBe('arn:aws:iam::111111111111:role/a');
    expect(await required.allowedApis('team-a')).toEqual({ any: false, ids: [], missing: true });
    expect(requests).toHaveLength(2);
    await clock.advance(1);
    expect(await required.allowedApis('team-a')).toEqual({ any: false, ids: ['api1', 'api2'], missing: false });
    expect(await required.roleFor('team-a')).toBeUndefined();
    expect(requests).toHaveLength(3);
  });

  it('answers the allowed credentials ARNs from the same cached read: absent allows any role', async () => {
    const clock = new FakeClock();
    const policy = new NamespaceAnnotationPolicy(kubeConfig(), { clock });
    expect(await policy.allowedCredentials('team-a')).toEqual({ any: true });
    annotations = { [ALLOWED_CREDENTIALS_ARNS_ANNOTATION]: 'arn:aws:iam::1:role/team-a-*, arn:aws:iam::1:role/x' };
    await clock.advance(NAMESPACE_POLICY_TTL_MS);
    expect(await policy.allowedApis('team-a')).toEqual({ any: true });
    expect(await policy.allowedCredentials('team-a')).toEqual({
      any: false,
      patterns: ['arn:aws:iam::1:role/team-a-*', 'arn:aws:iam::1:role/x'],
    });
    expect(requests).toHaveLength(2);
  });
});
