// Operator-specific metrics beside controller-runtime's: AWS calls by operation and outcome with
// latency, throttling, the current AWS call rate per bucket, and objects by Ready condition.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ApiStage } from './api/v1alpha1/stage-types.ts';
import type { ApiRoute } from './api/v1alpha1/route-types.ts';
import type { ApiIntegration } from './api/v1alpha1/types.ts';

interface WithConditions {
  status?: { conditions?: { type: string; status: string; reason?: string }[] };
}

/** Objects of one kind by Ready condition status and reason. */
function readyGauge(registry: Registry, name: string, kind: string, objects: () => WithConditions[]): void {
  new Gauge({
    name,
    help: `${kind} objects by Ready condition status and reason`,
    labelNames: ['ready', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const o of objects()) {
        const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
        const k = `${ready?.status ?? 'Unknown'}|${ready?.reason ?? 'Pending'}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      for (const [k, n] of counts) {
        const [ready, reason] = k.split('|') as [string, string];
        this.set({ ready, reason }, n);
      }
    },
  });
}

export interface OperatorMetrics {
  observeAwsCall(operation: string, outcome: string, seconds: number): void;
}

export function registerOperatorMetrics(
  registry: Registry,
  sources: {
    objects: () => ApiIntegration[];
    routes?: () => ApiRoute[];
    stages?: () => ApiStage[];
    rates: () => { bucket: string; rate: number }[];
  },
): OperatorMetrics {
  const calls = new Counter({
    name: 'apigw_aws_requests_total',
    help: 'AWS API Gateway calls by operation and outcome',
    labelNames: ['operation', 'outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'apigw_aws_request_duration_seconds',
    help: 'AWS API Gateway call latency by operation',
    labelNames: ['operation'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const throttles = new Counter({
    name: 'apigw_aws_throttled_total',
    help: 'AWS calls refused with 429 TooManyRequests',
    labelNames: ['operation'],
    registers: [registry],
  });
  new Gauge({
    name: 'apigw_aws_rate_limit',
    help: 'Current AWS calls per second allowed per account/region bucket (drops after throttling, then recovers)',
    labelNames: ['bucket'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { bucket, rate } of sources.rates()) this.set({ bucket }, rate);
    },
  });
  readyGauge(registry, 'apigw_apiintegrations', 'ApiIntegration', sources.objects);
  readyGauge(registry, 'apigw_apiroutes', 'ApiRoute', sources.routes ?? (() => []));
  readyGauge(registry, 'apigw_apistages', 'ApiStage', sources.stages ?? (() => []));
  return {
    observeAwsCall(operation, outcome, seconds) {
      calls.inc({ operation, outcome });
      latency.observe({ operation }, seconds);
      if (outcome === 'throttled') throttles.inc({ operation });
    },
  };
}
