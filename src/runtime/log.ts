// The logger type the runtime takes, and a silent default so that tests and library users need
// not configure logging. The composition root passes the real pino logger down.
import { pino, type Logger } from 'pino';

export type { Logger };

export function silentLogger(): Logger {
  return pino({ enabled: false });
}

/** A loggable view of an unknown thrown value: never the whole object (it may hold a request). */
export function errorFields(err: unknown): { err: { name: string; message: string; reason?: string } } {
  if (err instanceof Error) {
    const reason = (err as { reason?: unknown }).reason;
    return { err: { name: err.name, message: err.message, ...(typeof reason === 'string' ? { reason } : {}) } };
  }
  return { err: { name: 'NonError', message: String(err) } };
}
