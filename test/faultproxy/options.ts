// The fault proxy's vocabulary: what it can be told (FaultProxyOptions), and what it records about
// each request it handled (RequestRecord, with the Outcome that says what happened to it).
import type { FidelityOptions, FidelityOutcome } from './fidelity.ts';
import type { RequestKind } from './operations.ts';
import type { FaultMix, Quota } from './random-faults.ts';

export type Outcome =
  | 'ok'
  | 'upstream_error'
  | 'upstream_unreachable'
  | 'lost_response'
  | 'throttled'
  | 'injected_throttle'
  | 'concurrent_conflict'
  | 'injected_conflict'
  | 'injected_5xx'
  | 'dropped'
  /** A fidelity rule answered instead of the emulator (the request was not applied). */
  | FidelityOutcome
  /** A read of something created less than notVisibleForMs ago, answered 404 (not forwarded). */
  | 'not_visible'
  /** A VPC_LINK create refused with the transient ELB-listener 400 (not applied). */
  | 'injected_elb_failure'
  /** Held unanswered, then forwarded after the client's listing; its answer was thrown away. */
  | 'late_create';

/** Outcomes where the request reached the emulator (and, for writes with status < 300, changed it). */
export const FORWARDED: ReadonlySet<Outcome> = new Set(['ok', 'upstream_error', 'lost_response', 'late_create']);

export interface RequestRecord extends RequestKind {
  seq: number;
  /** Which client connection carried it (one operator process opens a few). */
  connection: number;
  method: string;
  path: string;
  outcome: Outcome;
  /** Upstream status for forwarded requests, injected status otherwise (none for drops). */
  status?: number;
  /** Epoch milliseconds with sub-millisecond precision, comparable across proxies in one process. */
  start: number;
  end: number;
}

export interface ForwardedInfo {
  record: RequestRecord;
  status: number;
  body: Buffer;
  /** True when this response is about to be lost on purpose. */
  lost: boolean;
}

export interface FaultProxyOptions {
  /** The emulator's base URL, e.g. http://127.0.0.1:5000. */
  upstream: string;
  /** Port to listen on (127.0.0.1); a free one when 0 or absent. */
  port?: number;
  seed?: number;
  /** Token bucket in front of everything; null or absent = no quota. */
  quota?: Quota | null;
  /**
   * Answer 409 to a write on an API while another write on it is in flight, as API Gateway does.
   * Default: on whenever `fidelity` is; false queues such writes instead (friendlier than AWS).
   */
  conflictOnConcurrentWrites?: boolean;
  faults?: FaultMix;
  /** For reports: typically the pid of the one operator process that uses this proxy. */
  label?: string;
  /** Region whose emulator state `inventory` reads. */
  region?: string;
  /** Awaited after the emulator answered and before the answer is passed on or lost. */
  onForwarded?: (info: ForwardedInfo) => void | Promise<void>;
  /** A deterministic rule beside the random ones: lose the answer to this forwarded request. */
  lose?: (record: RequestRecord, status: number) => boolean;
  /**
   * Picks CreateIntegration requests to complete late: never answered (the client's own timeout
   * fires), forwarded only after the next GetIntegrations on their API has been answered, or after
   * `lateCreateMaxDelayMs`, so the client's re-listing cannot see them.
   */
  lateCreate?: (record: RequestRecord, body: Record<string, unknown>) => boolean;
  /** Longest hold of a late create when no listing comes; default 30 s. */
  lateCreateMaxDelayMs?: number;
  /**
   * When a late create lands: after the last page of the next listing on its API (default: that
   * listing cannot see it), or between its first and second page (a later page may).
   */
  lateCreateLands?: 'after-listing' | 'between-pages';
  /**
   * For this many ms after a CreateIntegration (CreateRoute) succeeded, GetIntegration (GetRoute) of
   * its id answers 404 and listings leave it out; other calls meet it. Off (0) by default.
   */
  notVisibleForMs?: number;
  /** The clock (epoch ms) notVisibleForMs is measured on; unit tests pass one they move themselves. */
  now?: () => number;
  /**
   * The first N CreateIntegration calls with connectionType VPC_LINK are refused with the transient
   * "Unable to retrieve listener port…" 400, unapplied. Off (0) by default.
   */
  transientElbFailures?: number;
  /** Answer like API Gateway where the emulator does not (true = default options). */
  fidelity?: boolean | FidelityOptions;
  /** Called once a request's outcome is known (for logs). */
  onRecord?: (record: RequestRecord) => void;
}
