// The Argo CD health checks for ApiIntegration, ApiRoute and ApiStage, run the way Argo CD runs them
// (test/support/argocd-health.ts: gopher-lua, only the libraries Argo CD opens). The cases are
// health_test.yaml's, on real objects exported from the test bed; the copies of the scripts in
// docs/argocd.md and the argocd-cm patch must be the same scripts.
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { ConditionT } from '../../../src/api/v1alpha1/group.ts';
import { argoHealth } from '../../support/argocd-health.ts';
import { findTools } from '../../testbed/tools.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const CHECK_DIR = join(ROOT, 'deploy', 'argocd', 'apigw.dev', 'ApiIntegration');
const SCRIPT = join(CHECK_DIR, 'health.lua');
const glua = findTools().glua;
const work = mkdtempSync(join(tmpdir(), 'apigw-lua-test-'));

/** Runs health.lua (or `script`) on `obj` as Argo CD would. */
const health = (obj: unknown, script = SCRIPT) => argoHealth(glua, obj, script);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const fixture = (name: string) =>
  parse(readFileSync(join(CHECK_DIR, 'testdata', name), 'utf8')) as Record<string, unknown> & {
    metadata: { generation: number };
    status: { observedGeneration?: number; conditions: Record<string, unknown>[] };
  };

/** The cases of a check's health_test.yaml, in Argo CD's layout. */
const casesOf = (dir: string) =>
  (
    parse(readFileSync(join(dir, 'health_test.yaml'), 'utf8')) as {
      tests: { healthStatus: { status: string; message: string }; inputPath: string }[];
    }
  ).tests;

/** The `key: |` block of a kind's script in the argocd-cm patch. */
function shippedScript(kind: string): string | undefined {
  const patch = parse(readFileSync(join(ROOT, 'deploy', 'argocd', 'argocd-cm-patch.yaml'), 'utf8')) as {
    data: Record<string, string>;
  };
  return patch.data[`resource.customizations.health.apigw.dev_${kind}`];
}

/** The script docs/argocd.md shows for `kind`, from its argocd-cm ConfigMap snippet. */
function documentedScript(kind: string): string | undefined {
  const docs = readFileSync(join(ROOT, 'docs', 'argocd.md'), 'utf8');
  const snippets = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const configMap = snippets.find((s) => s.includes('name: argocd-cm'));
  const data = configMap ? (parse(configMap) as { data: Record<string, string> }).data : {};
  return data[`resource.customizations.health.apigw.dev_${kind}`];
}

/** Paths of every `default` in a generated CRD's schemas. */
function crdDefaults(file: string): string[] {
  const defaults: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'default') defaults.push(path);
      walk(v, `${path}.${k}`);
    }
  };
  const crd = parse(readFileSync(join(ROOT, 'crds', file), 'utf8')) as { spec: { versions: { schema: unknown }[] } };
  crd.spec.versions.forEach((v, i) => walk(v.schema, `versions[${i}].schema`));
  return defaults;
}

describe('Argo CD health check for ApiIntegration', () => {
  const cases = casesOf(CHECK_DIR);

  it('runs on the Lua 5.1 VM Argo CD embeds', () => {
    const r = spawnSync(glua, ['-e', 'io.write(_VERSION)'], { encoding: 'utf8' });
    expect(r.stdout).toBe('Lua 5.1');
  });

  it.each(cases.map((c) => [c.inputPath, c.healthStatus.status, c.healthStatus] as const))(
    '%s is %s',
    (inputPath, _status, expected) => {
      const obj = parse(readFileSync(join(CHECK_DIR, inputPath), 'utf8'));
      expect(health(obj)).toEqual(expected);
    },
  );

  it('covers Healthy, Progressing and Degraded', () => {
    expect(new Set(cases.map((c) => c.healthStatus.status))).toEqual(new Set(['Healthy', 'Progressing', 'Degraded']));
  });

  it('does not trust a Stalled or Ready condition computed for an older generation', () => {
    const stalled = fixture('degraded-invalid-spec.yaml');
    stalled.metadata.generation = 2;
    expect(health(stalled)).toEqual({
      status: 'Progressing',
      message: 'Waiting for the operator to observe generation 2',
    });
    // Without status.observedGeneration, the conditions' own observedGeneration decides.
    delete stalled.status.observedGeneration;
    expect(health(stalled).status).toBe('Progressing');
    const ready = fixture('healthy.yaml');
    delete ready.status.observedGeneration;
    ready.metadata.generation = 3;
    expect(health(ready).status).toBe('Progressing');
  });

  it('reports Degraded with the reason when a Stalled condition has no message', () => {
    const obj = fixture('degraded-invalid-spec.yaml');
    obj.status.conditions = obj.status.conditions.map((c) => (c.type === 'Stalled' ? { ...c, message: '' } : c));
    expect(health(obj)).toEqual({ status: 'Degraded', message: 'InvalidSpec' });
  });

  it('stays Progressing with an empty status or no conditions', () => {
    const obj = fixture('progressing-no-status.yaml');
    expect(health({ ...obj, status: {} })).toEqual({
      status: 'Progressing',
      message: 'Waiting for the integration to become ready',
    });
    expect(health({ ...obj, status: { observedGeneration: 1, conditions: [] } }).status).toBe('Progressing');
  });

  it('fails in the sandbox when a script uses the string library, as it would in Argo CD', () => {
    const bad = join(work, 'bad.lua');
    writeFileSync(bad, 'return { status = ("Healthy"):sub(1), message = "" }');
    expect(() => health({}, bad)).toThrow(/health.lua failed/);
  });

  it('has nothing to fight over in Git: the CRD defaults no field outside status', () => {
    // status is never in Git (Argo CD ignores it in diffs); its default marks a new object unobserved.
    expect(crdDefaults('apiintegrations.apigw.dev.yaml')).toEqual([
      'versions[0].schema.openAPIV3Schema.properties.status',
    ]);
  });

  it('is shipped verbatim in the argocd-cm patch and in docs/argocd.md', () => {
    const script = readFileSync(SCRIPT, 'utf8');
    expect(shippedScript('ApiIntegration')).toBe(script);
    expect(documentedScript('ApiIntegration')).toBe(script);
  });
});

describe('Argo CD health check for ApiRoute', () => {
  const dir = join(ROOT, 'deploy', 'argocd', 'apigw.dev', 'ApiRoute');
  const script = join(dir, 'health.lua');
  const cases = casesOf(dir);

  it.each(cases.map((c) => [c.inputPath, c.healthStatus.status, c.healthStatus] as const))(
    '%s is %s',
    (inputPath, _status, expected) => {
      const obj = parse(readFileSync(join(dir, inputPath), 'utf8')) as { kind: string };
      expect(obj.kind).toBe('ApiRoute');
      expect(health(obj, script)).toEqual(expected);
    },
  );

  it('covers Healthy, Progressing and Degraded', () => {
    expect(new Set(cases.map((c) => c.healthStatus.status))).toEqual(new Set(['Healthy', 'Progressing', 'Degraded']));
  });

  it('is the ApiIntegration check, but for the kind it names and its waiting message', () => {
    const forIntegrations = readFileSync(SCRIPT, 'utf8')
      .replace('apigw.dev/ApiIntegration.', 'apigw.dev/ApiRoute: the same logic as for ApiIntegration.')
      .replace('Waiting for the integration to become ready', 'Waiting for the route to become ready');
    expect(readFileSync(script, 'utf8')).toBe(forIntegrations);
  });

  it('is shipped verbatim in the argocd-cm patch and in docs/argocd.md', () => {
    expect(shippedScript('ApiRoute')).toBe(readFileSync(script, 'utf8'));
    expect(documentedScript('ApiRoute')).toBe(readFileSync(script, 'utf8'));
  });

  it('has nothing to fight over in Git: the CRD defaults no field outside status', () => {
    expect(crdDefaults('apiroutes.apigw.dev.yaml')).toEqual(['versions[0].schema.openAPIV3Schema.properties.status']);
  });
});

describe('Argo CD health check for ApiStage', () => {
  const dir = join(ROOT, 'deploy', 'argocd', 'apigw.dev', 'ApiStage');
  const script = join(dir, 'health.lua');
  const cases = casesOf(dir);
  const objectOf = (inputPath: string) =>
    parse(readFileSync(join(dir, inputPath), 'utf8')) as {
      kind: string;
      status: { observedGeneration?: number; conditions?: ConditionT[] };
    };

  it.each(cases.map((c) => [c.inputPath, c.healthStatus.status, c.healthStatus] as const))(
    '%s is %s',
    (inputPath, _status, expected) => {
      const obj = objectOf(inputPath);
      expect(obj.kind).toBe('ApiStage');
      expect(health(obj, script)).toEqual(expected);
    },
  );

  it('covers Healthy, Progressing and Degraded', () => {
    expect(new Set(cases.map((c) => c.healthStatus.status))).toEqual(new Set(['Healthy', 'Progressing', 'Degraded']));
  });

  // The exports (made by test/integration/helm-wait-stage.test.ts) cover a stage's life: not yet
  // observed, waiting for its API to settle, serving, and refused a name another stage holds.
  it('has a case for each state a stage passes through', () => {
    const states = cases.map(({ inputPath }) => {
      const { status } = objectOf(inputPath);
      return status.conditions?.find((c) => c.type === 'Ready')?.reason ?? status;
    });
    expect(states).toEqual(
      expect.arrayContaining([{ observedGeneration: 0 }, 'AwaitingSettle', 'Served', 'StageNameTaken']),
    );
  });

  it('is the ApiIntegration check, but for the kind it names and its waiting message', () => {
    const forIntegrations = readFileSync(SCRIPT, 'utf8')
      .replace('apigw.dev/ApiIntegration.', 'apigw.dev/ApiStage: the same logic as for ApiIntegration.')
      .replace('Waiting for the integration to become ready', 'Waiting for the stage to become ready');
    expect(readFileSync(script, 'utf8')).toBe(forIntegrations);
  });

  it('is shipped verbatim in the argocd-cm patch and in docs/argocd.md', () => {
    expect(shippedScript('ApiStage')).toBe(readFileSync(script, 'utf8'));
    expect(documentedScript('ApiStage')).toBe(readFileSync(script, 'utf8'));
  });

  it('has nothing to fight over in Git: the CRD defaults no field outside status', () => {
    expect(crdDefaults('apistages.apigw.dev.yaml')).toEqual(['versions[0].schema.openAPIV3Schema.properties.status']);
  });
});
