// How every API Gateway v2 call is made, shared by the integration and the route gateways. Every
// attempt takes a token from the shared budget (the SDK's own retries are off, so one token is one
// request), is observed for metrics, and has its errors translated. Writes on one API are serialized
// across both gateways: API Gateway refuses concurrent writes on an API with 409 whether they touch
// routes or integrations, and the operator should not cause those itself. Short retries live here;
// long ones belong to the work queue.
import { GetApiCommand } from '@aws-sdk/client-apigatewayv2';
import pRetry from 'p-retry';
import type { Protocol } from '../../api/v1alpha1/group.ts';
import { AwsError } from '../../kind/errors.ts';
import { apiKey, type Location } from '../../kind/ports.ts';
import { isNotFound, translate } from './errors.ts';
import { unlimited, type CallBudget, type CallObserver } from './rate-limit.ts';
import type { ClientFactory } from './clients.ts';

export interface GatewayOptions {
  clients: ClientFactory;
  budget?: CallBudget;
  observe?: CallObserver;
  /** Attempts of an idempotent call on throttling, 5xx or network failure (creates get one). */
  attempts?: number;
  /** Retries of a write refused for a concurrent modification by someone else. */
  conflictRetries?: number;
}

// Commands are heterogeneous; the SDK checks them at its own boundary.
export type Sendable = object;
export interface CallOpts {
  /** Not re-sent after a failure AWS may have applied; a write it refused (409) may still be. */
  once?: boolean;
  /** Sent exactly once, whatever the answer: the caller recovers and retries by itself. */
  single?: boolean;
  read?: boolean;
  signal?: AbortSignal;
  /**
   * Re-reads a translated error before the retry decision, for answers only one operation gives
   * (a route key that is taken): what it returns is what is retried or thrown.
   */
  refine?: (err: AwsError, raw: unknown) => AwsError;
}
/** One paged listing: the operation's name (for metrics and errors), the request for a page, the item mapping. */
export type Listing<I, O> = { operation: string; page: (token?: string) => Sendable; map: (item: I) => O };

const API_GONE = /Invalid API identifier/i;

/** Whether a NotFound is about the API itself rather than something on it. */
export const isApiGone = (err: unknown): boolean => API_GONE.test((err as Error)?.message ?? '');

export class ApiGatewayCalls {
  private readonly protocols = new Map<string, Protocol>();
  private readonly protocolLookups = new Map<string, Promise<Protocol | undefined>>();
  private readonly writeTails = new Map<string, Promise<unknown>>();
  private readonly opts: Required<Omit<GatewayOptions, 'observe'>> & { observe?: CallObserver };

  constructor(opts: GatewayOptions) {
    this.opts = { budget: unlimited, attempts: 3, conflictRetries: 2, ...opts };
  }

  /** One request; the budget is taken per attempt and a 429 slows the bucket at once. */
  private async attempt<T>(loc: Location, operation: string, cmd: Sendable, signal?: AbortSignal): Promise<T> {
    const { client, bucket } = await this.opts.clients.get(loc);
    await this.opts.budget.take(bucket, signal);
    const started = performance.now();
    try {
      const out = (await client.send(cmd as never, { abortSignal: signal })) as T;
      this.opts.observe?.(operation, 'ok', (performance.now() - started) / 1000);
      return out;
    } catch (err) {
      const t = isNotFound(err) ? undefined : translate(err, operation, { roleArn: loc.roleArn });
      const outcome = t === undefined ? 'not_found' : t instanceof AwsError ? t.kind.toLowerCase() : 'credentials';
      this.opts.observe?.(operation, outcome, (performance.now() - started) / 1000);
      if (outcome === 'throttled') this.opts.budget.throttled(bucket);
      if (t === undefined && isApiGone(err)) this.protocols.delete(apiKey(loc));
      throw err;
    }
  }

  /** Retries what is worth retrying at once; NotFound passes through untranslated for the caller. */
  call<T>(loc: Location, operation: string, cmd: Sendable, opts: CallOpts): Promise<T> {
    const retryable = (e: unknown) =>
      !opts.single &&
      e instanceof AwsError &&
      (e.kind === 'Conflict' ? !opts.read : !opts.once && (e.kind === 'Throttled' || e.kind === 'Transient'));
    const translated = (err: unknown) => {
      const t = translate(err, operation, { read: opts.read, roleArn: loc.roleArn });
      return opts.refine && t instanceof AwsError ? opts.refine(t, err) : t;
    };
    return pRetry(
      async () => {
        try {
          return await this.attempt<T>(loc, operation, cmd, opts.signal);
        } catch (err) {
          // A budget wait stays what it is (the runtime schedules it); it is not retried here.
          throw isNotFound(err) ? err : translated(err);
        }
      },
      {
        retries: Math.max(this.opts.attempts - 1, this.opts.conflictRetries),
        minTimeout: 200,
        maxTimeout: 2000,
        randomize: true,
        signal: opts.signal,
        shouldRetry: ({ error, attemptNumber }) =>
          retryable(error) &&
          attemptNumber <=
            ((error as AwsError).kind === 'Conflict' ? this.opts.conflictRetries : this.opts.attempts - 1),
      },
    );
  }

  /** Runs `fn` after every earlier write on the same API has finished. */
  serialized<T>(loc: Location, fn: () => Promise<T>): Promise<T> {
    const key = apiKey(loc);
    const prev = this.writeTails.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => {});
    this.writeTails.set(key, tail);
    // `tail` never rejects (the error stays with `run`, which the caller awaits); this only forgets
    // it once nothing has queued behind it.
    void tail.then(() => {
      if (this.writeTails.get(key) === tail) this.writeTails.delete(key);
    });
    return run;
  }

  getApiProtocol(loc: Location, signal?: AbortSignal): Promise<Protocol | undefined> {
    const key = apiKey(loc);
    const cached = this.protocols.get(key);
    if (cached) return Promise.resolve(cached);
    // Concurrent misses for one API share one GetApi.
    let lookup = this.protocolLookups.get(key);
    if (!lookup) {
      lookup = this.lookupProtocol(loc, key, signal).finally(() => this.protocolLookups.delete(key));
      this.protocolLookups.set(key, lookup);
    }
    return lookup;
  }

  private async lookupProtocol(loc: Location, key: string, signal?: AbortSignal): Promise<Protocol | undefined> {
    try {
      const api = await this.call<{ ProtocolType?: string }>(loc, 'GetApi', new GetApiCommand({ ApiId: loc.apiId }), {
        read: true,
        signal,
      });
      const protocol: Protocol = api.ProtocolType === 'WEBSOCKET' ? 'WEBSOCKET' : 'HTTP';
      // An API's protocol never changes; the entry goes when AWS says the API is gone.
      this.protocols.set(key, protocol);
      return protocol;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** A read of one item, or undefined when it (or its API) does not exist. */
  async getOne<T>(loc: Location, operation: string, cmd: Sendable, signal?: AbortSignal): Promise<T | undefined> {
    try {
      return await this.call<T>(loc, operation, cmd, { read: true, signal });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Every page of a listing, or undefined when the API does not exist; a failed page fails the whole. */
  async allPages<I, O>(loc: Location, listing: Listing<I, O>, signal?: AbortSignal): Promise<O[] | undefined> {
    const { operation, page, map } = listing;
    const all: O[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const out = await this.call<{ Items?: I[]; NextToken?: string }>(loc, operation, page(nextToken), {
          read: true,
          signal,
        });
        for (const item of out.Items ?? []) all.push(map(item));
        nextToken = out.NextToken || undefined;
      } while (nextToken);
      return all;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** A delete, serialized with the API's other writes; done when the thing (or its API) is already gone. */
  async deleteOne(loc: Location, operation: string, cmd: Sendable, signal?: AbortSignal): Promise<void> {
    try {
      await this.serialized(loc, () => this.call(loc, operation, cmd, { signal }));
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}
