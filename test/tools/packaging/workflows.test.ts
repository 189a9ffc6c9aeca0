// The GitHub workflows: actionlint (built by hack/build-tools.sh from its Go module) finds nothing in
// .github/workflows, every action is pinned to a full commit SHA, and the release workflow publishes
// what users install from: the multi-arch image with provenance, the chart at its OCI location, the
// npm package with provenance, an SBOM and the krew manifest on the GitHub release.
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { findReleaseTools } from '../../testbed/tools.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const WORKFLOWS = join(ROOT, '.github', 'workflows');
const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith('.yml'));
const work = mkdtempSync(join(tmpdir(), 'apigw-workflows-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { uses?: string; steps?: Step[]; permissions?: Record<string, string> }>;
}
const workflow = (name: string) => parse(readFileSync(join(WORKFLOWS, name), 'utf8')) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps ?? []);

/** actionlint on the given directory's workflows; shellcheck and pyflakes off, so every machine agrees. */
function actionlint(dir: string) {
  const { actionlint: bin } = findReleaseTools();
  const paths = readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join(dir, f));
  const r = spawnSync(bin, ['-no-color', '-shellcheck=', '-pyflakes=', ...paths], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, findings: `${r.stdout}${r.stderr}` };
}

describe('.github/workflows', () => {
  it('has a CI workflow running .ci/run and a release workflow', () => {
    expect(files.sort()).toEqual(['ci.yml', 'release.yml']);
    expect(steps(workflow('ci.yml')).some((s) => s.run?.includes('bash .ci/run'))).toBe(true);
  });

  it('passes actionlint with no finding', () => {
    expect(actionlint(WORKFLOWS)).toEqual({ code: 0, findings: '' });
  });

  it('actionlint reports a broken workflow line (the check is live)', () => {
    const copy = join(work, 'broken');
    cpSync(WORKFLOWS, copy, { recursive: true });
    const release = join(copy, 'release.yml');
    writeFileSync(
      release,
      readFileSync(release, 'utf8').replace('runs-on: ubuntu-24.04', 'runs-on: ubuntu-24.04\n    needs: no-such-job'),
    );
    const r = actionlint(copy);
    expect(r.code).toBe(1);
    expect(r.findings).toMatch(/no-such-job/);
  });

  it('pins every action to a full commit SHA', () => {
    const unpinned = files.flatMap((f) =>
      steps(workflow(f))
        .map((s) => s.uses)
        .filter((u): u is string => !!u && !u.startsWith('./') && !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(u)),
    );
    expect(unpinned).toEqual([]);
  });

  it('releases on a v* tag: tests, multi-arch image with provenance, OCI chart, npm with provenance, SBOM, krew', () => {
    const release = workflow('release.yml');
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
    expect(release.jobs.test!.uses).toBe('./.github/workflows/ci.yml');
    const all = steps(release);
    const build = all.find((s) => s.uses?.startsWith('docker/build-push-action@'))!;
    expect(build.with).toMatchObject({
      platforms: 'linux/amd64,linux/arm64',
      push: true,
      provenance: 'mode=max',
      tags: expect.stringMatching(/^\$\{\{ env\.IMAGE \}\}:/),
    });
    expect(readFileSync(join(WORKFLOWS, 'release.yml'), 'utf8')).toMatch(
      /IMAGE: ghcr\.io\/apigw-dev\/apigw-operator\n/,
    );
    expect(readFileSync(join(WORKFLOWS, 'release.yml'), 'utf8')).toMatch(
      /CHARTS: oci:\/\/ghcr\.io\/apigw-dev\/charts\n/,
    );
    const script = all.map((s) => s.run ?? '').join('\n');
    expect(script).toMatch(/helm" push "out\/apigw-operator-\$VERSION\.tgz" "\$CHARTS"/);
    expect(script).toMatch(/npm publish --provenance/);
    expect(script).toMatch(/hack\/krew-archive\.sh/);
    expect(script).toMatch(/hack\/krew-manifest\.ts/);
    expect(all.some((s) => s.uses?.startsWith('anchore/sbom-action@'))).toBe(true);
    expect(script).toMatch(/gh release create .* release\/\*/);
    expect(release.jobs.npm!.permissions).toMatchObject({ 'id-token': 'write' });
  });
});
