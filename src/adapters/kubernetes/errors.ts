// Maps client-node failures onto the runtime's error classes by HTTP status, never by message.
import { ConflictError, GoneError } from '../../runtime/ports.ts';

export function statusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

export function translateKubeError(err: unknown, what: string): unknown {
  const status = statusOf(err);
  if (status === 409) return new ConflictError(`${what}: conflict (409), the object changed`);
  if (status === 410) return new GoneError(`${what}: resource version too old (410)`);
  return err;
}

export const isNotFound = (err: unknown) => statusOf(err) === 404;
