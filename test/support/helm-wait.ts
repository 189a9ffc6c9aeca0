// Helm 4 on the test bed the way a GitOps pipeline runs it, without blocking the test (so the test
// can look at the cluster, or start the operator, while Helm waits), and charts of apigw.dev
// objects written the way a user would template them into their own chart.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { GROUP, VERSION } from '../../src/api/v1alpha1/group.ts';
import { tb } from './cluster.ts';

export interface HelmRun {
  code: number | null;
  output: string;
  startedAt: number;
  endedAt: number;
  ms: number;
}

export interface RunningHelm {
  done: Promise<HelmRun>;
  running: () => boolean;
  startedAt: number;
}

/** Starts the test bed's Helm 4 with `args`; `done` settles when it exits. */
export function startHelm4(args: string[]): RunningHelm {
  const startedAt = Date.now();
  const child = spawn(tb.tools.helm4, [...args, '--kubeconfig', tb.kubeconfig], {
    env: { ...process.env, KUBECONFIG: tb.kubeconfig },
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  let exited = false;
  const done = new Promise<HelmRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      exited = true;
      const endedAt = Date.now();
      resolve({ code, output, startedAt, endedAt, ms: endedAt - startedAt });
    });
  });
  return { done, running: () => !exited, startedAt };
}

export interface ChartObject {
  kind: 'ApiIntegration' | 'ApiRoute' | 'ApiStage';
  name: string;
  spec: Record<string, unknown>;
}

/** Writes a chart named `name` under `parent` whose templates are `objects` in `namespace`; returns its directory. */
export function writeObjectsChart(parent: string, name: string, namespace: string, objects: ChartObject[]): string {
  const dir = join(parent, name);
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), stringify({ apiVersion: 'v2', name, version: '0.1.0', type: 'application' }));
  const docs = objects.map(({ kind, name: n, spec }) =>
    stringify({ apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name: n, namespace }, spec }),
  );
  writeFileSync(join(dir, 'templates', 'objects.yaml'), docs.join('---\n'));
  return dir;
}
