// The proxy's drawn faults: the control-plane quota as a token bucket, and the per-request draw of
// throttling, 409s, 5xx, drops, lost responses and latency from a fault mix. The draw is pure given
// its four uniform numbers, so one seed always yields one schedule.
import type { RequestKind } from './operations.ts';

export interface Quota {
  ratePerSec: number;
  burst: number;
}

/**
 * API Gateway's management quota: 10 requests per second per account, burst 40 (developer guide
 * "Amazon API Gateway quotas", creating, deploying and managing an API: "Total operations").
 */
export const AWS_QUOTA: Quota = { ratePerSec: 10, burst: 40 };

export interface FaultMix {
  /** Probabilities per request; at most one of these faults hits a request, so they should sum to ≤ 1. */
  throttle?: number;
  conflict?: number;
  serverError?: number;
  /** Socket destroyed before anything is forwarded. */
  drop?: number;
  /** Forwarded and applied upstream, then the client's socket destroyed instead of answering. */
  lostResponse?: number;
  /** Extra delay before forwarding, with its own probability. */
  latency?: { probability: number; minMs: number; maxMs: number };
  /** Only these operations get random faults (all when absent). */
  operations?: string[];
  /** A different mix for some operations (latency is inherited unless given). */
  byOperation?: Record<string, Omit<FaultMix, 'operations' | 'byOperation'>>;
}

/**
 * A write refused because another is in flight on the API: 409 ConflictException in these words
 * (terraform-provider-aws#37897 "StatusCode: 409, ConflictException: Unable to complete operation due
 * to concurrent modification…"; #40575 for DeleteRoute).
 */
export const CONFLICT_MESSAGE = 'Unable to complete operation due to concurrent modification. Please try again later.';

/**
 * The throttling answer: TooManyRequestsException, 429 (aws/aws-sdk-js#1014 shows "Too Many
 * Requests" from API Gateway's control plane; the model gives it LimitType and Message).
 */
const THROTTLED = { status: 429, type: 'TooManyRequestsException', message: 'Too Many Requests' };

const SERVER_ERRORS = [
  { status: 500, type: 'InternalFailure', message: 'Internal server error' },
  { status: 502, type: 'BadGateway', message: 'Bad gateway' },
  { status: 503, type: 'ServiceUnavailableException', message: 'Service unavailable' },
  { status: 504, type: 'GatewayTimeout', message: 'Endpoint request timed out' },
];

export type DrawnOutcome = 'throttled' | 'injected_throttle' | 'injected_conflict' | 'injected_5xx';

export type Verdict =
  | { kind: 'forward'; lose: boolean; delayMs: number }
  | { kind: 'refuse'; outcome: DrawnOutcome; status: number; type: string; body: object }
  | { kind: 'drop' };

const throttled = (outcome: 'throttled' | 'injected_throttle'): Verdict => ({
  kind: 'refuse',
  outcome,
  status: THROTTLED.status,
  type: THROTTLED.type,
  body: { message: THROTTLED.message, limitType: 'RequestRate' },
});

export class TokenBucket {
  private tokens: number;
  private refilledAt = performance.now();
  private readonly quota: Quota | null | undefined;

  /** No quota: every take succeeds. A new bucket starts full. */
  constructor(quota: Quota | null | undefined) {
    this.quota = quota;
    this.tokens = quota?.burst ?? 0;
  }

  take(): boolean {
    const q = this.quota;
    if (!q) return true;
    const t = performance.now();
    this.tokens = Math.min(q.burst, this.tokens + ((t - this.refilledAt) / 1000) * q.ratePerSec);
    this.refilledAt = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** What happens to one request, from its four draws (fault, latency, delay, which 5xx). */
export function verdictOf(
  kind: RequestKind,
  opts: { faults?: FaultMix; withinQuota: boolean },
  [uFault, uLatency, uDelay, uCode]: [number, number, number, number],
): Verdict {
  if (!opts.withinQuota) return throttled('throttled');
  const base = opts.faults ?? {};
  const f: FaultMix = base.byOperation?.[kind.operation] ?? base;
  const eligible = !base.operations || base.operations.includes(kind.operation);
  const lat = f.latency ?? base.latency;
  const delayMs = lat && uLatency < lat.probability ? lat.minMs + Math.floor(uDelay * (lat.maxMs - lat.minMs + 1)) : 0;
  if (!eligible) return { kind: 'forward', lose: false, delayMs };
  let edge = 0;
  const hit = (p: number | undefined) => uFault < (edge += p ?? 0);
  if (hit(f.throttle)) return throttled('injected_throttle');
  if (hit(f.conflict))
    return {
      kind: 'refuse',
      outcome: 'injected_conflict',
      status: 409,
      type: 'ConflictException',
      body: { message: CONFLICT_MESSAGE },
    };
  if (hit(f.serverError)) {
    const e = SERVER_ERRORS[Math.floor(uCode * SERVER_ERRORS.length)]!;
    return { kind: 'refuse', outcome: 'injected_5xx', status: e.status, type: e.type, body: { message: e.message } };
  }
  if (hit(f.drop)) return { kind: 'drop' };
  return { kind: 'forward', lose: hit(f.lostResponse), delayMs };
}
