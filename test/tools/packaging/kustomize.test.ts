// deploy/ as `kubectl apply -k` users take it: a kustomize base (the chart rendered with default
// values) and an example overlay that sets what the base cannot know. Built with the machine's
// kubectl, the overlay must put the region where the operator reads it, the image on the operator's
// container, and the IAM role on the ServiceAccount the pod runs as, and change nothing else.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../../src/config.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

type Obj = {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: {
    template: { spec: { serviceAccountName: string; containers: { name: string; image: string; args: string[] }[] } };
  };
};

function build(dir: string): Obj[] {
  const out = execFileSync('kubectl', ['kustomize', join(ROOT, dir)], { encoding: 'utf8' });
  return parseAllDocuments(out).map((d) => d.toJS() as Obj);
}

const one = (objs: Obj[], kind: string) => {
  const found = objs.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('deploy/ as a kustomize base and overlay', () => {
  const base = build('deploy/base');
  const overlay = build('deploy/overlays/example');

  it('builds the base: every rendered manifest, in its namespace, with no region and the published image', () => {
    expect(base.map((o) => o.kind)).toEqual(
      expect.arrayContaining(['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'ClusterRole', 'Deployment']),
    );
    const crds = base.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name);
    expect(crds.sort()).toEqual(['apiintegrations.apigw.dev', 'apiroutes.apigw.dev', 'apistages.apigw.dev']);
    const container = one(base, 'Deployment').spec!.template.spec.containers[0]!;
    expect(container.args.some((a) => a.startsWith('--region'))).toBe(false);
    expect(container.image).toBe('ghcr.io/apigw-dev/apigw-operator:0.1.0');
  });

  it('sets the region as the operator reads it, the image, and the IRSA role on the pod’s ServiceAccount', () => {
    const deployment = one(overlay, 'Deployment');
    const container = deployment.spec!.template.spec.containers.find((c) => c.name === 'operator')!;
    expect(container.image).toBe('registry.example.com/apigw-operator:0.1.0');
    // The operator's own parser, with no AWS_REGION in the environment: the flag alone must do it.
    expect(parseConfig(container.args, {}).region).toBe('eu-west-1');
    const sa = one(overlay, 'ServiceAccount');
    expect(sa.metadata.name).toBe(deployment.spec!.template.spec.serviceAccountName);
    expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBe(
      'arn:aws:iam::111122223333:role/apigw-operator',
    );
  });

  it('changes nothing else', () => {
    const key = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    expect(overlay.map(key).sort()).toEqual(base.map(key).sort());
    const unchanged = (objs: Obj[]) =>
      objs.filter((o) => o.kind !== 'Deployment' && o.kind !== 'ServiceAccount').map((o) => JSON.stringify(o));
    expect(unchanged(overlay).sort()).toEqual(unchanged(base).sort());
    const args = (objs: Obj[]) => one(objs, 'Deployment').spec!.template.spec.containers[0]!.args;
    expect(args(overlay)).toEqual([...args(base), '--region=eu-west-1']);
  });
});
