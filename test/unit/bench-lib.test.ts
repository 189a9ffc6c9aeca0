// The benchmarks' own arithmetic (no timings here): the operator runs with the chart's heap for the
// chart's default memory limit, API-server write counts are differenced per resource and verb, and
// the summary carries the stable keys that BENCHMARKS.md and bench/results/latest.json promise.
import { describe, expect, it } from '@jest/globals';
import { writeDelta } from '../../bench/lib/kube.ts';
import { chartNodeOptions, quantityMiB } from '../../bench/lib/operator.ts';
import { summarize, summaryTable } from '../../bench/lib/summary.ts';
import type { SectionResult } from '../../bench/lib/context.ts';

const section = (name: string, data: Record<string, unknown>): SectionResult => ({
  name,
  title: name,
  table: { headers: [], rows: [] },
  notes: [],
  data,
});

describe('bench helpers', () => {
  it('reads Kubernetes memory quantities', () => {
    expect(quantityMiB('256Mi')).toBe(256);
    expect(quantityMiB('1Gi')).toBe(1024);
    expect(quantityMiB('2048Ki')).toBe(2);
    expect(quantityMiB('1000M')).toBeCloseTo(953.67, 1);
    expect(() => quantityMiB('lots')).toThrow();
  });

  it("runs the operator with the chart's NODE_OPTIONS, the heap share made explicit for the default limit", () => {
    const { nodeOptions, memoryLimitMiB } = chartNodeOptions();
    expect(memoryLimitMiB).toBeGreaterThan(0);
    expect(nodeOptions).toContain(`--max-old-space-size=${Math.floor(memoryLimitMiB / 2)}`);
    expect(nodeOptions).toContain('--max-semi-space-size=16');
    expect(nodeOptions).not.toContain('percentage');
  });

  it('differences write counters and drops what did not move', () => {
    const before = new Map([
      ['apiintegrations PATCH', 10],
      ['events POST', 3],
    ]);
    const after = new Map([
      ['apiintegrations PATCH', 30],
      ['events POST', 3],
      ['apiintegrations/status PATCH', 10],
    ]);
    expect(writeDelta(before, after)).toEqual({ 'apiintegrations PATCH': 20, 'apiintegrations/status PATCH': 10 });
  });

  it('puts the headline figures under their stable keys', () => {
    const run = { kubeWritesPerObject: 3, eventsPerObject: 1, cpuS: 16.8, creates: 1000 };
    const s = summarize([
      section('convergeWithoutQuota', {
        objects: 1000,
        ratio: 3.161,
        floorRatio: 1.914,
        vsMinimal: 1.166,
        workers8vs4: 0.61,
        operator: run,
      }),
      section('convergeAtQuota', { objects: 1000, runs: [{ ...run, budgetRatio: 1.0111 }] }),
      section('steadyState', { atDefaultInterval: { awsCallsPerObjectHour: 0.12, kubeWritesPerObjectHour: 0 } }),
      section('memory', {
        scale: { objects: 10_000, peakRssMiB: 175.65, startupS: 72.51, startupVsPlainWrites: 1.54 },
      }),
      section('convergeOnOneApi', {
        rows: [
          { label: 'baseline', convergeS: 12.8, conflicts: 11 },
          { label: 'now', convergeS: 3.5, conflicts: 0 },
        ],
      }),
    ]);
    expect(s).toMatchObject({
      k8sWritesPerCreate: 3,
      noQuotaRatio: 3.16,
      noQuotaFloorRatio: 1.91,
      noQuotaVsMinimal: 1.17,
      cpuMsPerCreate: 16.8,
      workers8vs4Ratio: 0.61,
      quotaBudgetRatio: 1.011,
      awsCallsPerObjectHour: 0.12,
      k8sWritesPerObjectHour: 0,
      rssMiB10k: 175.7,
      startupS10k: 72.5,
      memoryObjects: 10_000,
      conflicts409s: 0,
      conflicts409sBaseline: 11,
    });
    expect(summarize([])).toEqual({});
  });

  it('carries the routes figures, the quota-budget run against (2N − 40)/10 with the target of 1.1', () => {
    const s = summarize([
      section('routesAtQuota', {
        objects: 300,
        runs: [
          { quotaRatio: 1.0834, budgetRatio: 1.0834, throttled: 2 },
          { quotaRatio: 1.31, budgetRatio: 1.0219, throttled: 0 },
        ],
      }),
    ]);
    expect(s).toEqual({ routesQuotaRatio: 1.083, routesBudgetRatio: 1.022, routes429s: 2, routesObjects: 300 });
    const target = (v: number) =>
      summaryTable({ routesQuotaRatio: v }).rows.find((r) => r[0] === 'routesQuotaRatio')?.[2];
    expect(target(1.083)).toBe('≤ 1.1 (met)');
    expect(target(1.2)).toBe('≤ 1.1 (missed)');
  });

  it('carries the deploy figures, with 1–2 deployments per burst and none on a restart as targets', () => {
    const s = summarize([
      section('deploy', {
        objects: 300,
        deploymentsPerBurst: 2,
        deploymentsOnRestart: 0,
        deployLatencyS: { p50: 2.1134, p90: 2.15, p99: 2.1871, max: 2.1871, mean: 2.12 },
      }),
    ]);
    expect(s).toEqual({
      deployLatencyP50S: 2.11,
      deployLatencyP99S: 2.19,
      deploymentsPerBurst: 2,
      deploymentsOnRestart: 0,
      deployObjects: 300,
    });
    const row = (k: string) => summaryTable(s).rows.find((r) => r[0] === k)?.[2];
    expect(row('deploymentsPerBurst')).toBe('≤ 2 (met)');
    expect(row('deploymentsOnRestart')).toBe('≤ 0 (met)');
    expect(summaryTable({ deploymentsOnRestart: 1 }).rows[0]?.[2]).toBe('≤ 0 (missed)');
  });
});
