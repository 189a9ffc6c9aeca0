// The fidelity proxy's command-line settings, shared by its process (cli.ts) and by whoever starts
// it (the test bed): each setting is a flag with a value, mapped onto FaultProxyOptions.
import type { FaultProxyOptions } from './options.ts';

export interface ProxySettings {
  integrationsPerApi?: number;
  routesPerApi?: number;
  stagesPerApi?: number;
  /** How long after a change an auto-deploying stage deploys. */
  autoDeployDelayMs?: number;
  /** Shortest time between two CreateDeployment calls (0: no limit). */
  createDeploymentIntervalMs?: number;
  /** Items per page of GetIntegrations, GetRoutes, GetStages and GetDeployments; 0 answers in one page. */
  pageSize?: number;
  /** false queues concurrent writes on one API instead of refusing them with 409 as AWS does. */
  conflictOnConcurrentWrites?: boolean;
  /** false lets UpdateIntegration clear integrationUri, integrationMethod or contentHandlingStrategy with "". */
  refuseEmptyResets?: boolean;
  notVisibleForMs?: number;
  transientElbFailures?: number;
}

const NUMBERS = {
  integrationsPerApi: 'integrations-per-api',
  routesPerApi: 'routes-per-api',
  stagesPerApi: 'stages-per-api',
  autoDeployDelayMs: 'auto-deploy-delay-ms',
  createDeploymentIntervalMs: 'create-deployment-interval-ms',
  pageSize: 'page-size',
  notVisibleForMs: 'not-visible-for-ms',
  transientElbFailures: 'transient-elb-failures',
} as const;

/** Yes/no settings, each a flag whose value is one of two words. */
const CHOICES = {
  conflictOnConcurrentWrites: { flag: 'concurrent-writes', yes: 'refuse', no: 'queue' },
  refuseEmptyResets: { flag: 'empty-resets', yes: 'refuse', no: 'accept' },
} as const;

/** The options spec for node:util parseArgs. */
export const SETTINGS_FLAGS: Record<string, { type: 'string' }> = Object.fromEntries(
  [...Object.values(NUMBERS), ...Object.values(CHOICES).map((c) => c.flag)].map((f) => [f, { type: 'string' }]),
);

export const SETTINGS_USAGE = [
  ...Object.values(NUMBERS).map((f) => `[--${f} N]`),
  ...Object.values(CHOICES).map((c) => `[--${c.flag} ${c.yes}|${c.no}]`),
].join(' ');

/** The flags that ask for `s`. */
export function settingsArgs(s: ProxySettings): string[] {
  const out: string[] = [];
  for (const [key, flag] of Object.entries(NUMBERS)) {
    const v = s[key as keyof typeof NUMBERS];
    if (v !== undefined) out.push(`--${flag}`, String(v));
  }
  for (const [key, c] of Object.entries(CHOICES)) {
    const v = s[key as keyof typeof CHOICES];
    if (v !== undefined) out.push(`--${c.flag}`, v ? c.yes : c.no);
  }
  return out;
}

/** The settings parsed flags ask for; a value that is not a number or one of the two words throws. */
export function settingsOf(values: Record<string, string | boolean | undefined>): ProxySettings {
  const out: ProxySettings = {};
  for (const [key, flag] of Object.entries(NUMBERS)) {
    const v = values[flag];
    if (typeof v !== 'string') continue;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} takes a whole number, not ${v}`);
    out[key as keyof typeof NUMBERS] = n;
  }
  for (const [key, c] of Object.entries(CHOICES)) {
    const v = values[c.flag];
    if (typeof v !== 'string') continue;
    if (v !== c.yes && v !== c.no) throw new Error(`--${c.flag} takes ${c.yes} or ${c.no}, not ${v}`);
    out[key as keyof typeof CHOICES] = v === c.yes;
  }
  return out;
}

/** The proxy options for settings, with the fidelity rules on. */
export function proxyOptionsOf(s: ProxySettings): Partial<FaultProxyOptions> {
  const { conflictOnConcurrentWrites, notVisibleForMs, transientElbFailures, ...fidelity } = s;
  return {
    fidelity: Object.keys(fidelity).length === 0 ? true : fidelity,
    ...(conflictOnConcurrentWrites === undefined ? {} : { conflictOnConcurrentWrites }),
    ...(notVisibleForMs === undefined ? {} : { notVisibleForMs }),
    ...(transientElbFailures === undefined ? {} : { transientElbFailures }),
  };
}
