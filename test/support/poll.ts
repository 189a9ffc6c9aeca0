// Polling with a clear failure message: the one waiting helper for integration tests, the test bed
// and the benchmarks. It imports nothing of the test bed, so any of them can use it.
import { setTimeout as sleep } from 'node:timers/promises';

/** Thrown by a probe to stop polling at once (e.g. the process it waits for has exited). */
export class GiveUp extends Error {}

/**
 * Polls `probe` every `intervalMs` until it returns something other than false or undefined, and
 * returns that. A probe that throws is polled again; the last error or value names what was still
 * wrong when the time is up.
 */
export async function eventually<T>(
  what: string,
  probe: () => T | false | undefined | Promise<T | false | undefined>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== false && v !== undefined) return v as T;
      last = v;
    } catch (e) {
      if (e instanceof GiveUp) throw e;
      last = e;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
  );
}
