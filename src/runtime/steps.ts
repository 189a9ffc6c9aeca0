// One reconcile pass as a series of steps: each step either ends the pass with a result or hands
// the next step the object it changed. Plans that keep asking to decide again are cut short, so
// other keys get a turn before the next try.
import type { Result } from './controller.ts';

export type StepOutcome<T> = { next: T } | { result: Result };

const MAX_STEPS = 6;
const UNSETTLED_RETRY_MS = 1000;

export async function runSteps<T>(
  first: T,
  step: (obj: T) => Promise<StepOutcome<T>>,
  fail: (obj: T, err: unknown) => Promise<Result>,
): Promise<Result> {
  let obj = first;
  try {
    for (let i = 0; i < MAX_STEPS; i++) {
      const done = await step(obj);
      if ('result' in done) return done.result;
      obj = done.next;
    }
    return { requeueAfterMs: UNSETTLED_RETRY_MS };
  } catch (err) {
    return fail(obj, err);
  }
}
