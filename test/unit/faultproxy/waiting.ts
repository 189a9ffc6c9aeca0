// Waiting on what the fault proxy and its upstream observably did, rather than for a fixed number of
// milliseconds: on a loaded machine a request can take longer than any short sleep to arrive.
import type { RequestRecord } from '../../faultproxy/proxy.ts';

/** Resolves once `holds()` is true; fails naming `what` if that takes longer than `timeoutMs`. */
export async function until(what: string, holds: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!holds()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * A lateCreate predicate that also settles `held` when it picks a create: the proxy takes that
 * create into its waiting room in the same turn, so after `await held` the create is being held.
 */
export function lateCreateSignal(isLate: (body: Record<string, unknown>) => boolean): {
  held: Promise<void>;
  lateCreate: (record: RequestRecord, body: Record<string, unknown>) => boolean;
} {
  let taken = () => {};
  const held = new Promise<void>((r) => (taken = r));
  const lateCreate = (_record: RequestRecord, body: Record<string, unknown>) => {
    const late = isLate(body);
    if (late) taken();
    return late;
  };
  return { held, lateCreate };
}

/** A gate for an upstream's writes: they wait on `opened` until `open()` is called. */
export function writeGate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}
