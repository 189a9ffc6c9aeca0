// The release's OCI round trip against a real registry: the CNCF distribution registry (built by
// hack/build-tools.sh from its Go module) on a loopback port, plain HTTP. The chart is packaged with
// the release's version, pushed with `helm push` and installed from `oci://` (template and a server
// dry run against the test bed); the image hack/build-image.sh builds is pushed, its tag removed
// locally, pulled back and run. Its layers stay on the engine under the build's own tag (other tests
// use them), so what the registry holds is also read over its API, every blob checked by digest.
// The registry stands in for ghcr.io: the commands are the release workflow's.
// A missing registry binary or container engine fails with how to get it; nothing is skipped.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { tb } from '../support/cluster.ts';
import { freePort } from '../testbed/processes.ts';
import { FIX_HINT, findReleaseTools } from '../testbed/tools.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'charts', 'apigw-operator');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const BUILT_IMAGE = 'apigw-operator:registry-test';
const PUBLISHED_IMAGE = `ghcr.io/apigw-dev/apigw-operator:${VERSION}`;
/** The test bed's Kubernetes (helm template assumes an old one otherwise, which the chart refuses). */
const KUBE_VERSION = /^KUBERNETES_VERSION=(\S+)$/m.exec(readFileSync(join(ROOT, 'hack', 'versions.env'), 'utf8'))![1]!;
const BUILD_TIMEOUT_MS = 40 * 60_000;
const work = mkdtempSync(join(tmpdir(), 'apigw-registry-'));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function exec(bin: string, args: string[], timeoutMs = 120_000): Run {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw r.error;
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
function ok(bin: string, args: string[], timeoutMs?: number): string {
  const r = exec(bin, args, timeoutMs);
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}
const helm = (...args: string[]) => ok(tb.tools.helm, [...args, '--kubeconfig', tb.kubeconfig]);
const docker = (...args: string[]) => ok('docker', args, 600_000);

let registry: ChildProcess | undefined;
let host: string;

/** The registry on a free loopback port, storing under the temp dir; resolves once /v2/ answers. */
async function startRegistry(bin: string): Promise<string> {
  const port = await freePort();
  const config = join(work, 'registry.yaml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: { level: warn }',
      `storage: { filesystem: { rootdirectory: ${join(work, 'data')} } }`,
      `http: { addr: 127.0.0.1:${port} }`,
      '',
    ].join('\n'),
  );
  let output = '';
  registry = spawn(bin, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  registry.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  registry.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const answered = await fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (answered) return `127.0.0.1:${port}`;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the registry did not answer on 127.0.0.1:${port} within 30 s:\n${output}`);
}

/** hack/build-image.sh (cached layers after `make image`); it gets an engine, or says why it cannot. */
function buildImage(): void {
  const r = spawnSync('bash', [join(ROOT, 'hack', 'build-image.sh'), BUILT_IMAGE], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    env: { ...process.env, CI: 'true' },
  });
  if (r.status !== 0)
    throw new Error(
      `The registry round trip needs a Docker engine and the operator image: bash hack/build-image.sh ` +
        `(as root it installs docker.io and starts dockerd) exited ${r.status ?? r.signal}:\n` +
        (r.stderr ?? '').split('\n').slice(-30).join('\n'),
    );
}

/** Kubernetes objects from helm's output: `template` prints only them, `install` after "MANIFEST:". */
function objects(output: string): { kind: string; metadata: { name: string }; spec?: unknown }[] {
  const manifest = output.includes('MANIFEST:') ? output.slice(output.indexOf('MANIFEST:') + 9) : output;
  return parseAllDocuments(manifest.split(/^NOTES:$/m)[0]!)
    .map((d) => d.toJS() as { kind: string; metadata: { name: string } } | null)
    .filter((o): o is { kind: string; metadata: { name: string } } => !!o?.kind);
}

function imageOf(objs: ReturnType<typeof objects>): string | undefined {
  const deployment = objs.find((o) => o.kind === 'Deployment') as
    { spec: { template: { spec: { containers: { image: string }[] } } } } | undefined;
  return deployment?.spec.template.spec.containers[0]?.image;
}

beforeAll(async () => {
  const tools = findReleaseTools();
  host = await startRegistry(tools.registry);
  buildImage();
}, BUILD_TIMEOUT_MS + 60_000);

afterAll(() => {
  registry?.kill('SIGKILL');
  exec('docker', ['rmi', `${host}/apigw-operator:${VERSION}`]);
  rmSync(work, { recursive: true, force: true });
});

describe('the release through an OCI registry', () => {
  const chartRef = () => `oci://${host}/charts/apigw-operator`;

  it('pushes the chart packaged with the release version, and installs it from oci://', () => {
    const out = join(work, 'chart');
    mkdirSync(out);
    helm('package', CHART, '--version', VERSION, '--app-version', VERSION, '--destination', out);
    const pushed = exec(tb.tools.helm, [
      'push',
      join(out, `apigw-operator-${VERSION}.tgz`),
      `oci://${host}/charts`,
      '--plain-http',
    ]);
    expect(`${pushed.stdout}${pushed.stderr}`).toContain(`Pushed: ${host}/charts/apigw-operator:${VERSION}`);

    const rendered = objects(
      helm(
        'template',
        'apigw-operator',
        chartRef(),
        ...['--version', VERSION, '--plain-http', '--kube-version', KUBE_VERSION, '--set', 'region=eu-west-1'],
      ),
    );
    const crds = rendered.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name);
    expect(crds.sort()).toEqual(['apiintegrations.apigw.dev', 'apiroutes.apigw.dev', 'apistages.apigw.dev']);
    expect(imageOf(rendered)).toBe(PUBLISHED_IMAGE);

    const installed = objects(
      helm(
        'install',
        `registry-${Date.now().toString(36)}`,
        chartRef(),
        '--version',
        VERSION,
        '--plain-http',
        '--dry-run=server',
        '--namespace',
        'default',
        '--set',
        'region=eu-west-1',
        '--set',
        `image.repository=${host}/apigw-operator`,
        // The test bed's CRDs were applied without Helm; the template above shows the chart's own.
        '--set',
        'crds.install=false',
      ),
    );
    expect(installed.map((o) => o.kind)).toEqual(
      expect.arrayContaining(['ServiceAccount', 'ClusterRole', 'Deployment']),
    );
    expect(imageOf(installed)).toBe(`${host}/apigw-operator:${VERSION}`);
  });

  it('pushes the image, serves every layer with its digest, and runs the image pulled back', async () => {
    const ref = `${host}/apigw-operator:${VERSION}`;
    const id = docker('image', 'inspect', '-f', '{{.Id}}', BUILT_IMAGE).trim();
    docker('tag', BUILT_IMAGE, ref);
    docker('push', ref);

    // What the registry holds, read over its own API: the manifest and each blob, by digest.
    const manifest = (await fetch(`http://${host}/v2/apigw-operator/manifests/${VERSION}`, {
      headers: {
        accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
      },
    }).then((r) => r.json())) as { config: { digest: string }; layers: { digest: string }[] };
    expect(manifest.config.digest).toBe(id);
    for (const { digest } of [manifest.config, ...manifest.layers]) {
      const blob = Buffer.from(await (await fetch(`http://${host}/v2/apigw-operator/blobs/${digest}`)).arrayBuffer());
      expect(`sha256:${createHash('sha256').update(blob).digest('hex')}`).toBe(digest);
    }

    docker('rmi', ref);
    expect(exec('docker', ['image', 'inspect', ref]).status).not.toBe(0);
    docker('pull', ref);
    expect(docker('image', 'inspect', '-f', '{{.Id}}', ref).trim()).toBe(id);
    const validated = exec('docker', [
      'run',
      '--rm',
      '--network',
      'none',
      '--read-only',
      '-v',
      `${join(ROOT, 'examples')}:/examples:ro`,
      ref,
      'validate',
      '-f',
      '/examples',
      '-f',
      '/examples/routes',
    ]);
    expect({ status: validated.status, stderr: validated.stderr }).toEqual({ status: 0, stderr: '' });
    expect(validated.stdout).toMatch(/default\/orders-get-item: valid/);
  });
});

it('says how to get the registry when it is missing', () => {
  expect(() => findReleaseTools({ APIGW_TOOLS_CACHE: join(work, 'empty') })).toThrow(FIX_HINT);
});
