// The operator image, built from the Dockerfile and run for real: hack/build-image.sh installs and
// starts Debian's Docker engine when needed, builds local stand-ins for the two base images (no
// registry is reachable) and builds the image; the image then runs as a container the way the
// chart runs it (read-only root filesystem, its non-root user, no capabilities), on the host network
// against the test bed, and the examples become Ready. Also: the image's size stays within a budget.
//
// Not a skip when there is no engine: the script gets one (apt + dockerd as root). When it cannot,
// every test here fails with what to do. Every docker command has a timeout, and the container is
// removed at the end, or by the next run if this one was killed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { ApiIntegration } from '../../src/api/v1alpha1/types.ts';
import {
  adminKubeConfig,
  core,
  createApi,
  eventually,
  gone,
  installCrd,
  integrationsOf,
  newNamespace,
  tb,
  waitReady,
} from '../support/cluster.ts';
import { freePort } from '../testbed/processes.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'hack', 'build-image.sh');
const IMAGE_TAG = 'apigw-operator:image-test';
/** Measured at 180 MB (a 126 MB Node.js binary, its libraries, 48 MB of production packages). */
const MAX_IMAGE_BYTES = 250_000_000;
/** A first build installs the engine, debootstraps Debian and runs npm ci twice: minutes on 2 cores. */
const BUILD_TIMEOUT_MS = 40 * 60_000;
const DOCKER_TIMEOUT_MS = 60_000;
const TEST_LABEL = 'dev.apigw.test=image';
const OWNER_LABEL = 'dev.apigw.test.owner-pid';
const CONTAINER = `apigw-image-test-${process.pid}-${Date.now().toString(36)}`;
const EXAMPLES: { file: string; protocol: 'HTTP' | 'WEBSOCKET' }[] = [
  { file: 'http-lambda-proxy.yaml', protocol: 'HTTP' },
  { file: 'http-url-proxy.yaml', protocol: 'HTTP' },
  { file: 'websocket-mock.yaml', protocol: 'WEBSOCKET' },
];

const work = mkdtempSync(join(tmpdir(), 'apigw-image-'));
const HOW_TO_GET_AN_ENGINE = [
  'The image test needs a Docker engine, and hack/build-image.sh could not get one or could not build the image.',
  "As root, the script installs Debian's docker.io with apt (non-interactive) and starts dockerd in the background;",
  'otherwise start an engine yourself so that `docker info` works, then re-run.',
  'Run `bash hack/build-image.sh` to see the failure on its own.',
].join('\n');

interface Built {
  image: string;
  id: string;
  sizeBytes: number;
  seconds: number;
}

/** Runs the build script in its own process group, killed whole at the timeout. */
/** Outside `work`, which afterAll removes: a failed build's log stays for reading. */
const buildLog = join(tmpdir(), `apigw-build-image-${process.pid}.log`);

function buildImage(): Promise<Built> {
  const logFile = buildLog;
  const fd = openSync(logFile, 'w');
  const started = Date.now();
  const child = spawn('bash', [SCRIPT, IMAGE_TAG], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', fd],
    detached: true,
    env: { ...process.env, CI: 'true' },
  });
  closeSync(fd);
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  return new Promise((resolveBuild, reject) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, BUILD_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const out = Object.fromEntries(
        stdout
          .split('\n')
          .filter((l) => /^[A-Z_]+=/.test(l))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      if (code === 0 && out.IMAGE_ID && out.IMAGE_SIZE_BYTES) {
        resolveBuild({
          image: out.IMAGE!,
          id: out.IMAGE_ID,
          sizeBytes: Number(out.IMAGE_SIZE_BYTES),
          seconds: Math.round((Date.now() - started) / 1000),
        });
        return;
      }
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
      const how = signal ? `was killed (${signal}) after ${BUILD_TIMEOUT_MS / 60_000} min` : `exited ${code}`;
      reject(
        new Error(
          `${HOW_TO_GET_AN_ENGINE}\n\nbash hack/build-image.sh ${how}; the end of its log (${logFile}):\n${tail}`,
        ),
      );
    });
  });
}

/** One docker CLI call, never longer than its timeout (SIGKILL), so a hung engine cannot hang the run. */
function docker(
  args: string[],
  timeoutMs = DOCKER_TIMEOUT_MS,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker', args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw r.error;
  return {
    status: r.status,
    stdout: r.stdout ?? '',
    stderr: `${r.stderr ?? ''}${r.signal ? `\n(docker ${args[0]} killed after ${timeoutMs} ms)` : ''}`,
  };
}
function dockerOk(args: string[], timeoutMs?: number): string {
  const r = docker(args, timeoutMs);
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Containers left by a run of this file that was killed before its afterAll (owner process gone). */
function removeOrphans(): void {
  const list = docker([
    'ps',
    '-a',
    '--filter',
    `label=${TEST_LABEL}`,
    '--format',
    `{{.ID}} {{.Label "${OWNER_LABEL}"}}`,
  ]).stdout;
  for (const line of list.split('\n').filter(Boolean)) {
    const [id, owner] = line.split(' ');
    if (!alive(Number(owner))) docker(['rm', '-f', id!]);
  }
}

/** The test bed's admin kubeconfig, self-contained (CA inline) and readable by the image's user. */
function containerKubeconfig(): string {
  const kc = adminKubeConfig();
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser()!;
  const ca = cluster.caData ?? readFileSync(cluster.caFile!).toString('base64');
  const file = join(mkdtempSync(join(work, 'kube-')), 'kubeconfig');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'testbed', cluster: { server: cluster.server, 'certificate-authority-data': ca } }],
      users: [{ name: 'testbed-admin', user: { token: user.token } }],
      contexts: [{ name: 'testbed', context: { cluster: 'testbed', user: 'testbed-admin' } }],
      'current-context': 'testbed',
    }),
  );
  chmodSync(file, 0o644);
  chmodSync(join(file, '..'), 0o755);
  chmodSync(work, 0o755);
  return file;
}

function kubectl(args: string[], input?: string): string {
  const r = spawnSync(tb.tools.kubectl, ['--kubeconfig', tb.kubeconfig, ...args], {
    input,
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

const logsOf = (name: string) => {
  const r = docker(['logs', '--tail', '60', name], 30_000);
  return `${r.stdout}${r.stderr}`;
};

let built: Built | undefined;
let namespace: string;
const started: string[] = [];

beforeAll(async () => {
  built = await buildImage();
  console.log(
    `[image] ${built.image} ${built.id.slice(0, 19)}: ${(built.sizeBytes / 1e6).toFixed(1)} MB, script took ${built.seconds} s`,
  );
  removeOrphans();
  await installCrd();
  namespace = await newNamespace('image');
}, BUILD_TIMEOUT_MS + 120_000);

afterAll(async () => {
  for (const name of started) docker(['rm', '-f', name], 30_000);
  if (built) rmSync(buildLog, { force: true });
  if (namespace) await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

describe('the operator image', () => {
  it('stays within its size budget, runs as 65532 and has no shell', () => {
    expect(built!.sizeBytes).toBeGreaterThan(50_000_000);
    expect(built!.sizeBytes).toBeLessThan(MAX_IMAGE_BYTES);
    const config = JSON.parse(dockerOk(['image', 'inspect', '-f', '{{json .Config}}', built!.id])) as {
      User: string;
      Entrypoint: string[];
      Env: string[];
    };
    expect(config.User).toBe('65532:65532');
    expect(config.Entrypoint).toEqual(['/nodejs/bin/node', 'dist/src/main.js']);
    expect(config.Env).toContain('NODE_ENV=production');
    // No shell to exec into, and the build stages' dev dependencies stayed behind.
    const sh = docker(['run', '--rm', '--network', 'none', '--entrypoint', '/bin/sh', built!.id, '-c', 'true']);
    expect(sh.status).not.toBe(0);
    const modules = dockerOk([
      'run',
      '--rm',
      '--read-only',
      '--network',
      'none',
      '--entrypoint',
      '/nodejs/bin/node',
      built!.id,
      '-e',
      'const fs = require("node:fs"); console.log(JSON.stringify({ modules: fs.readdirSync("node_modules"), uid: process.getuid() }))',
    ]);
    const { modules: names, uid } = JSON.parse(modules) as { modules: string[]; uid: number };
    expect(uid).toBe(65532);
    for (const prod of ['@kubernetes', '@aws-sdk', 'pino', 'pino-pretty', 'undici', 'yaml'])
      expect(names).toContain(prod);
    for (const dev of ['typescript', 'jest', 'eslint', '@swc', 'node', 'fast-check']) expect(names).not.toContain(dev);
  }, 120_000);

  it('runs read-only as its non-root user on the host network and reconciles the examples to Ready', async () => {
    const apis = {
      HTTP: await createApi('HTTP', `image-http-${Date.now()}`),
      WEBSOCKET: await createApi('WEBSOCKET', `image-ws-${Date.now()}`),
    };
    const kubeconfig = containerKubeconfig();
    const [health, metrics] = [await freePort(), await freePort()];
    started.push(CONTAINER);
    dockerOk([
      'run',
      '--detach',
      '--name',
      CONTAINER,
      '--label',
      TEST_LABEL,
      '--label',
      `${OWNER_LABEL}=${process.pid}`,
      // What the chart's securityContext asks of a pod.
      '--read-only',
      '--user',
      '65532:65532',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--network',
      'host',
      '--memory',
      '512m',
      '--stop-timeout',
      '20',
      '--volume',
      `${kubeconfig}:/etc/apigw/kubeconfig:ro`,
      '--env',
      'KUBECONFIG=/etc/apigw/kubeconfig',
      '--env',
      `AWS_ENDPOINT_URL_APIGATEWAYV2=${tb.awsEndpoint}`,
      // /readyz waits for the operator's identity check (STS GetCallerIdentity).
      '--env',
      `AWS_ENDPOINT_URL_STS=${tb.motoEndpoint}`,
      '--env',
      `AWS_REGION=${tb.region}`,
      '--env',
      'AWS_ACCESS_KEY_ID=testing',
      '--env',
      'AWS_SECRET_ACCESS_KEY=testing',
      built!.id,
      '--watch-namespaces',
      namespace,
      '--health-probe-bind-address',
      `127.0.0.1:${health}`,
      '--metrics-bind-address',
      `127.0.0.1:${metrics}`,
    ]);
    try {
      await eventually(
        'the container to answer /readyz',
        async () => {
          const state = dockerOk(['inspect', '-f', '{{.State.Status}}', CONTAINER]);
          if (state !== 'running') throw new Error(`container is ${state}:\n${logsOf(CONTAINER)}`);
          return (await fetch(`http://127.0.0.1:${health}/readyz`)).status === 200;
        },
        60_000,
        500,
      );

      const host = JSON.parse(dockerOk(['inspect', '-f', '{{json .HostConfig}}', CONTAINER])) as {
        ReadonlyRootfs: boolean;
        NetworkMode: string;
      };
      expect(host.ReadonlyRootfs).toBe(true);
      expect(host.NetworkMode).toBe('host');
      expect(dockerOk(['top', CONTAINER, '-o', 'pid,uid,args'])).toMatch(
        /^\s*\d+\s+65532\s+\/nodejs\/bin\/node dist\/src\/main\.js/m,
      );

      const objects = EXAMPLES.map(({ file, protocol }) => {
        const doc = parseAllDocuments(readFileSync(join(ROOT, 'examples', file), 'utf8'))
          .map((d) => d.toJSON() as ApiIntegration)
          .find((o) => o?.kind === 'ApiIntegration')!;
        doc.metadata.namespace = namespace;
        doc.spec.apiId = apis[protocol];
        return doc;
      });
      kubectl(['apply', '-f', '-'], objects.map((o) => stringify(o)).join('---\n'));
      for (const o of objects) {
        const ready = await waitReady(namespace, o.metadata.name!, 60_000);
        expect(ready.status?.integrationId).toBeTruthy();
        expect((await integrationsOf(o.spec.apiId)).map((i) => i.IntegrationId)).toContain(ready.status!.integrationId);
      }
      expect(await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text()).toContain('apigw_');

      // Deleting the objects goes through the operator's finalizer, and AWS is cleaned up.
      kubectl(['delete', '-n', namespace, 'apiintegrations', '--all', '--wait=false']);
      for (const o of objects)
        await eventually(`${o.metadata.name} gone`, () => gone(namespace, o.metadata.name!), 60_000, 250);
      for (const api of Object.values(apis)) expect(await integrationsOf(api)).toEqual([]);

      // Nothing was written to the read-only root filesystem and no call failed for it.
      const logs = logsOf(CONTAINER);
      expect(logs).toContain('operator started');
      expect(logs).not.toMatch(/EROFS|EACCES|ERR_MODULE_NOT_FOUND/);

      // SIGTERM reaches node as PID 1 and the operator stops cleanly, well within the stop timeout.
      const stopped = Date.now();
      dockerOk(['stop', '--time', '20', CONTAINER], 60_000);
      expect(dockerOk(['inspect', '-f', '{{.State.ExitCode}}', CONTAINER])).toBe('0');
      expect(Date.now() - stopped).toBeLessThan(15_000);
    } catch (e) {
      (e as Error).message += `\n\ncontainer ${CONTAINER} logs (last 60 lines):\n${logsOf(CONTAINER)}`;
      throw e;
    }
  }, 300_000);
});
