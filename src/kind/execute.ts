// The steps every kind's executor shares: writes to the object's own metadata, letting it go, and
// the crash-safe create (marker first, then the AWS call, then the id recorded). A kind's executor
// carries out its own AWS actions with these; none of them chooses what happens next.
import type { Logger } from 'pino';
import pRetry from 'p-retry';
import { FINALIZER } from '../api/v1alpha1/group.ts';
import type { Clock } from '../runtime/clock.ts';
import { createdNothing } from './errors.ts';
import type { Notice } from './plan.ts';
import type { MetadataPatch, ObjectEvents, ObjectStore } from './ports.ts';
import { clearPendingAnnotation } from './record.ts';

type Annotations = Record<string, string | null>;

export interface StepContext<T, Event extends string> {
  store: Pick<ObjectStore<T, never>, 'patchMetadata'>;
  events: ObjectEvents<T, Event>;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  /** The role the namespace policy chose for this object, if any. */
  roleArn: string | undefined;
}

interface Finalized {
  metadata: { finalizers?: string[] };
}

/** A metadata write with a resourceVersion precondition: a stale copy never overwrites a newer one. */
export async function patchObject<T, E extends string>(ctx: StepContext<T, E>, obj: T, changes: MetadataPatch) {
  return { obj: await ctx.store.patchMetadata(obj, changes, { precondition: true, signal: ctx.signal }) };
}

export function withFinalizer(obj: Finalized): string[] {
  return [...(obj.metadata.finalizers ?? []), FINALIZER];
}

/** Removes the finalizer: the object goes, and nothing more is written to it. */
export async function letGo<T extends Finalized, E extends string>(
  ctx: StepContext<T, E>,
  obj: T,
  event?: Notice<E>,
): Promise<{ released: true }> {
  const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
  await ctx.store.patchMetadata(obj, { finalizers }, { precondition: true, signal: ctx.signal });
  announce(ctx, obj, event);
  return { released: true };
}

export function announce<T, E extends string>(ctx: StepContext<T, E>, obj: T, event: Notice<E> | undefined): void {
  if (event) ctx.events.record(obj, event.type, event.reason, event.message);
}

/** The actions every kind's plan may take on the object alone, without an AWS call. */
const OBJECT_ACTIONS = ['None', 'AddFinalizer', 'ClearPending', 'RemoveFinalizer'] as const;
type ObjectActionType = (typeof OBJECT_ACTIONS)[number];

/** Whether an action writes the object alone: objectStep carries it out, whatever the kind. */
export const onObjectOnly = <A extends { type: string }>(a: A): a is Extract<A, { type: ObjectActionType }> =>
  (OBJECT_ACTIONS as readonly string[]).includes(a.type);

/** Carries out an action on the object alone (see onObjectOnly), the same for every kind. */
export function objectStep<T extends Finalized, E extends string>(
  ctx: StepContext<T, E>,
  obj: T,
  type: ObjectActionType,
  event: Notice<E> | undefined,
): Promise<{ obj?: T; released?: true }> {
  switch (type) {
    case 'None':
      return Promise.resolve({});
    case 'AddFinalizer':
      return patchObject(ctx, obj, { finalizers: withFinalizer(obj) });
    case 'ClearPending':
      return patchObject(ctx, obj, { annotations: clearPendingAnnotation() });
    case 'RemoveFinalizer':
      ctx.log.info({ action: 'RemoveFinalizer' }, 'releasing the object');
      return letGo(ctx, obj, event);
  }
}

/** How a kind carries out each of its own actions (the object-only ones are the kernel's). */
export type ActionSteps<A extends { type: string }, P, Ctx, T, R> = {
  [K in Exclude<A['type'], ObjectActionType>]: (
    ctx: Ctx,
    obj: T,
    action: Extract<A, { type: K }>,
    plan: P,
  ) => Promise<R>;
};

/**
 * A kind's executor: the object-only actions carried out here the same for every kind, the kind's
 * own by its steps. Nothing in either chooses what happens next; the plan says it.
 */
export function executorOf<
  A extends { type: string },
  E extends string,
  P extends { action: A; event?: Notice<E> },
  T extends Finalized,
  Ctx extends StepContext<T, E>,
  R,
>(steps: ActionSteps<A, P, Ctx, T, R>) {
  return (ctx: Ctx, obj: T, plan: P): Promise<R | { obj?: T; released?: true }> => {
    const a = plan.action;
    if (onObjectOnly(a)) return objectStep(ctx, obj, a.type, plan.event);
    const step = steps[a.type as keyof typeof steps] as (ctx: Ctx, obj: T, action: A, plan: P) => Promise<R>;
    return step(ctx, obj, a, plan);
  };
}

export interface MarkedCreate<M> {
  /** The pending marker naming where the create goes (and, for a route, its key). */
  marker: Annotations;
  /** Add the finalizer in the same write as the marker (a new object). */
  withFinalizer?: boolean;
  /** An earlier create under this marker got no answer: keep the marker whatever this one answers. */
  inDoubt?: boolean;
  send: () => Promise<M>;
  /** The annotations that record what the create made. */
  record: (made: M) => Annotations;
}

/**
 * Creates crash-safely. The marker goes in first, with a resourceVersion precondition, so a stale
 * cache cannot lead to a second create, and a crash after the AWS call leaves a trail that recovery
 * follows. A refusal that created nothing (400/403/quota, 409, 429, a call never sent) takes the
 * marker away again; a timeout, reset or 5xx may have created it, so the marker stays.
 */
export async function createMarked<T extends Finalized, E extends string, M>(
  ctx: StepContext<T, E>,
  obj: T,
  c: MarkedCreate<M>,
): Promise<{ obj: T; made: M } | { obj: T; refused: unknown }> {
  const finalizers = c.withFinalizer ? { finalizers: withFinalizer(obj) } : {};
  const marked = await ctx.store.patchMetadata(
    obj,
    { annotations: c.marker, ...finalizers },
    { precondition: true, signal: ctx.signal },
  );
  let made: M;
  try {
    made = await c.send();
  } catch (err) {
    if (!createdNothing(err) || c.inDoubt) return { obj: marked, refused: err };
    const clear = Object.fromEntries(Object.keys(c.marker).map((k) => [k, null]));
    const cleared = await ctx.store.patchMetadata(marked, { annotations: clear }, { signal: ctx.signal });
    return { obj: cleared, refused: err };
  }
  // Recording must not give up easily: until it lands, the next pass has to recover by listing.
  const annotations = c.record(made);
  const next = await pRetry(() => ctx.store.patchMetadata(marked, { annotations }, { signal: ctx.signal }), {
    retries: 5,
    minTimeout: 200,
    maxTimeout: 3000,
    signal: ctx.signal,
  });
  return { obj: next, made };
}
