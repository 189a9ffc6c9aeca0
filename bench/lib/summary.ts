// The headline figures of a run under stable keys (bench/results/latest.json `summary`), picked
// from the sections that ran, with the targets of issues 10 and 13 next to them. A figure whose benchmark
// did not run is absent. Nothing here fails a run: the benchmarks report, they do not assert.
import { round, type SectionResult, type Table } from './context.ts';

export interface Summary {
  /** API-server writes to ApiIntegrations (metadata and /status) per created object, counted by the API server. */
  k8sWritesPerCreate?: number;
  /** Events the operator wrote per created object (not ApiIntegration writes). */
  k8sEventsPerCreate?: number;
  /** No quota: operator converge time ÷ a plain SDK create loop at the same concurrency (4). */
  noQuotaRatio?: number;
  /** No quota: the minimal client (the same writes, Event and create per object, no operator) ÷ the SDK loop: this machine's floor for noQuotaRatio. */
  noQuotaFloorRatio?: number;
  /** No quota: operator converge time ÷ the minimal client's: what the operator adds. */
  noQuotaVsMinimal?: number;
  noQuotaObjects?: number;
  /** Operator CPU per created object in the no-quota run with 4 workers, in milliseconds. */
  cpuMsPerCreate?: number;
  /** No quota: converge time with --workers 8 ÷ with --workers 4 (≤ 1: more workers are not slower). */
  workers8vs4Ratio?: number;
  /** At the real quota with the default budget: converge time ÷ (N − burst)/rate of that budget. */
  quotaBudgetRatio?: number;
  quotaObjects?: number;
  /** N ApiIntegrations + N ApiRoutes at the quota, budget equal to it: converge ÷ (2N − 40)/10, N in `routesObjects`. */
  routesQuotaRatio?: number;
  /** The same with the default budget: converge ÷ (2N − its burst)/its rate. */
  routesBudgetRatio?: number;
  /** 429s provoked in the budget-equal-to-the-quota run. */
  routes429s?: number;
  routesObjects?: number;
  /** Peak RSS (MiB) of the largest memory run, its object count in `memoryObjects` (10,000 in a full run). */
  rssMiB10k?: number;
  /** Start-up to all Ready (s) of the largest memory run, with the integration ids already recorded. */
  startupS10k?: number;
  /** startupS10k ÷ the same status writes from a plain client at the operator's concurrency, same run. */
  startupVsPlainWrites?: number;
  memoryObjects?: number;
  /** Steady state at 100 objects per API, scaled to the default 5 min drift interval. */
  awsCallsPerObjectHour?: number;
  k8sWritesPerObjectHour?: number;
  /** 50 objects on one API under 409 concurrent modification: 409s provoked (this checkout, and the baseline when run). */
  conflicts409s?: number;
  conflicts409sBaseline?: number;
  conflictsConvergeS?: number;
  conflictsConvergeSBaseline?: number;
  /** One ApiStage over N integrations + N routes (N in `deployObjects`): from a single-object edit to the stage serving it, p50 and p99 of 20 edits. */
  deployLatencyP50S?: number;
  deployLatencyP99S?: number;
  /** CreateDeployments made by the rollout of all N + N objects applied at once. */
  deploymentsPerBurst?: number;
  /** CreateDeployments made by a restart of the operator with nothing changed. */
  deploymentsOnRestart?: number;
  deployObjects?: number;
}

/** Issues 10 and 13's acceptance figures: the highest value that meets each. */
const TARGETS: Partial<Record<keyof Summary, { max: number }>> = {
  k8sWritesPerCreate: { max: 3 },
  noQuotaRatio: { max: 2 },
  workers8vs4Ratio: { max: 1 },
  quotaBudgetRatio: { max: 1.05 },
  // Issue 13.
  routesQuotaRatio: { max: 1.1 },
  rssMiB10k: { max: 200 },
  startupS10k: { max: 40 },
  awsCallsPerObjectHour: { max: 0.2 },
  k8sWritesPerObjectHour: { max: 0 },
  // ApiStage: a burst is coalesced into one or two deployments, and a restart makes none.
  deploymentsPerBurst: { max: 2 },
  deploymentsOnRestart: { max: 0 },
};

const data = (sections: SectionResult[], name: string): unknown => sections.find((s) => s.name === name)?.data;

/** A figure of a section's data by its dotted path ("runs.0.budgetRatio"). */
const num = (v: unknown, path: string): number =>
  Number(
    path
      .split('.')
      .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), v),
  );

export function summarize(sections: SectionResult[]): Summary {
  const out: Summary = {};
  const nq = data(sections, 'convergeWithoutQuota');
  const q = data(sections, 'convergeAtQuota');
  if (nq) {
    out.k8sWritesPerCreate = round(num(nq, 'operator.kubeWritesPerObject'), 2);
    out.k8sEventsPerCreate = round(num(nq, 'operator.eventsPerObject'), 2);
    out.noQuotaRatio = round(num(nq, 'ratio'), 2);
    out.noQuotaFloorRatio = round(num(nq, 'floorRatio'), 2);
    out.noQuotaVsMinimal = round(num(nq, 'vsMinimal'), 2);
    out.noQuotaObjects = num(nq, 'objects');
    out.cpuMsPerCreate = round((1000 * num(nq, 'operator.cpuS')) / Math.max(1, num(nq, 'operator.creates')), 1);
    out.workers8vs4Ratio = round(num(nq, 'workers8vs4'), 2);
  } else if (q) {
    out.k8sWritesPerCreate = round(num(q, 'runs.0.kubeWritesPerObject'), 2);
    out.k8sEventsPerCreate = round(num(q, 'runs.0.eventsPerObject'), 2);
  }
  if (q) {
    out.quotaBudgetRatio = round(num(q, 'runs.0.budgetRatio'), 3);
    out.quotaObjects = num(q, 'objects');
  }
  const routes = data(sections, 'routesAtQuota');
  if (routes) {
    out.routesQuotaRatio = round(num(routes, 'runs.0.quotaRatio'), 3);
    out.routesBudgetRatio = round(num(routes, 'runs.1.budgetRatio'), 3);
    out.routes429s = num(routes, 'runs.0.throttled');
    out.routesObjects = num(routes, 'objects');
  }
  const steady = data(sections, 'steadyState');
  if (steady) {
    out.awsCallsPerObjectHour = round(num(steady, 'atDefaultInterval.awsCallsPerObjectHour'), 3);
    out.k8sWritesPerObjectHour = round(num(steady, 'atDefaultInterval.kubeWritesPerObjectHour'), 3);
  }
  const mem = data(sections, 'memory');
  if (mem && typeof mem === 'object' && 'scale' in mem) {
    out.rssMiB10k = round(num(mem, 'scale.peakRssMiB'), 1);
    out.startupS10k = round(num(mem, 'scale.startupS'), 1);
    out.startupVsPlainWrites = round(num(mem, 'scale.startupVsPlainWrites'), 2);
    out.memoryObjects = num(mem, 'scale.objects');
  }
  const conflicts = data(sections, 'convergeOnOneApi');
  if (conflicts) {
    const rows = (conflicts as { rows: unknown }).rows as { label: string; convergeS: number; conflicts: number }[];
    const now = rows.at(-1)!;
    out.conflicts409s = now.conflicts;
    out.conflictsConvergeS = round(now.convergeS, 1);
    if (rows.length > 1) {
      out.conflicts409sBaseline = rows[0]!.conflicts;
      out.conflictsConvergeSBaseline = round(rows[0]!.convergeS, 1);
    }
  }
  const deploy = data(sections, 'deploy');
  if (deploy) {
    out.deployLatencyP50S = round(num(deploy, 'deployLatencyS.p50'), 2);
    out.deployLatencyP99S = round(num(deploy, 'deployLatencyS.p99'), 2);
    out.deploymentsPerBurst = num(deploy, 'deploymentsPerBurst');
    out.deploymentsOnRestart = num(deploy, 'deploymentsOnRestart');
    out.deployObjects = num(deploy, 'objects');
  }
  return out;
}

export function summaryTable(s: Summary): Table {
  return {
    headers: ['key', 'figure', 'target'],
    rows: (Object.keys(s) as (keyof Summary)[]).map((k) => {
      const t = TARGETS[k];
      const v = s[k]!;
      return [k, v, t ? `≤ ${t.max} (${v <= t.max ? 'met' : 'missed'})` : ''];
    }),
  };
}
