// The test bed: real etcd + kube-apiserver (RBAC, TokenRequest) and moto as API Gateway v2 behind
// the fidelity proxy (test/faultproxy, answering like API Gateway where moto does not), all on free
// loopback ports under one temporary directory. Used by jest's global set-up, the demo, the
// benchmarks and `npm run testbed:up`.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePki, randomToken } from './pki.ts';
import { findTools, type Tools } from './tools.ts';
import { freePort, startGuardian, startProcess, stopGroup, waitFor, type Started } from './processes.ts';
import { settingsArgs, type ProxySettings } from '../faultproxy/cli-options.ts';

export interface TestbedInfo {
  dir: string;
  kubeconfig: string;
  apiserverUrl: string;
  adminToken: string;
  caFile: string;
  /** API Gateway v2 for clients: the fidelity proxy in front of moto (moto itself with fidelity off). */
  awsEndpoint: string;
  /** moto directly, for in-process proxies that bring their own fidelity, and for direct reads. */
  motoEndpoint: string;
  region: string;
  pgids: number[];
  guardianPid: number;
  tools: Tools;
  /** The environment a client needs: KUBECONFIG, AWS endpoint, region and fake keys. */
  env: Record<string, string>;
  /** etcd's client URL (its JSON gateway serves /v3/kv/...), when Kubernetes was started. */
  etcdUrl?: string;
  /** How kube-apiserver was started, so `restartApiserver` can start it again the same way. */
  apiserver?: { pid: number; cmd: string; args: string[]; logFile: string };
  /** The process whose exit tears the test bed down (0 = none). */
  ownerPid?: number;
}

export interface StartOptions {
  /** The process whose exit tears the test bed down; defaults to this process. 0 = none. */
  ownerPid?: number;
  components?: { kubernetes?: boolean; aws?: boolean };
  /** Put the fidelity proxy in front of moto (default true). */
  fidelity?: boolean;
  /** The fidelity proxy's settings (quotas, page size, faults); its defaults are as harsh as AWS. */
  proxy?: ProxySettings;
  log?: (msg: string) => void;
}

export const TESTBED_REGION = 'us-east-1';

function get(url: string, opts: { ca?: Buffer; token?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      u,
      {
        method: 'GET',
        ca: opts.ca,
        headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
        timeout: 2000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function kubeconfigFor(server: string, caFile: string, user: string, token: string): string {
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'testbed', cluster: { server, 'certificate-authority': caFile } }],
      users: [{ name: user, user: { token } }],
      contexts: [{ name: 'testbed', context: { cluster: 'testbed', user, namespace: 'default' } }],
      'current-context': 'testbed',
    },
    null,
    2,
  );
}

async function startKubernetes(tools: Tools, dir: string, started: Started[], log: (m: string) => void) {
  const pki = makePki(join(dir, 'pki'));
  const etcdPort = await freePort();
  const peerPort = await freePort();
  log(`starting etcd on 127.0.0.1:${etcdPort}`);
  const etcd = startProcess(
    'etcd',
    tools.etcd,
    [
      '--name=testbed',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=testbed=http://127.0.0.1:${peerPort}`,
      // Test data is disposable; skipping fsync keeps a 2-core machine responsive.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
    join(dir, 'etcd.log'),
  );
  started.push(etcd);
  await waitFor('etcd', async () => (await get(`http://127.0.0.1:${etcdPort}/health`)).status === 200, 30_000, etcd);

  const adminToken = randomToken();
  const tokenFile = join(dir, 'pki', 'tokens.csv');
  writeFileSync(tokenFile, `${adminToken},testbed-admin,testbed-admin-uid,"system:masters"\n`, { mode: 0o600 });
  const port = await freePort();
  log(`starting kube-apiserver on 127.0.0.1:${port}`);
  const apiserverArgs = [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${tokenFile}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${pki.saPub}`,
    `--service-account-signing-key-file=${pki.saKey}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    `--cert-dir=${join(dir, 'pki', 'generated')}`,
    '--endpoint-reconciler-type=none',
    '--profiling=false',
    '-v=0',
  ];
  const apiserver = startProcess('kube-apiserver', tools.kubeApiserver, apiserverArgs, join(dir, 'kube-apiserver.log'));
  started.push(apiserver);
  const apiserverUrl = `https://127.0.0.1:${port}`;
  const ca = readFileSync(pki.caCert);
  await waitFor(
    'kube-apiserver',
    async () => (await get(`${apiserverUrl}/readyz`, { ca, token: adminToken })).status === 200,
    90_000,
    apiserver,
  );
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigFor(apiserverUrl, pki.caCert, 'testbed-admin', adminToken), { mode: 0o600 });
  return {
    apiserverUrl,
    adminToken,
    caFile: pki.caCert,
    kubeconfig,
    etcdUrl: `http://127.0.0.1:${etcdPort}`,
    apiserver: { pid: apiserver.pid, cmd: tools.kubeApiserver, args: apiserverArgs, logFile: apiserver.logFile },
  };
}

async function startMoto(tools: Tools, dir: string, started: Started[], log: (m: string) => void): Promise<string> {
  const port = await freePort();
  log(`starting moto on 127.0.0.1:${port}`);
  const moto = startProcess(
    'moto',
    tools.motoPython,
    ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)],
    join(dir, 'moto.log'),
  );
  started.push(moto);
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor('moto', async () => (await get(`${endpoint}/moto-api/data.json`)).status === 200, 60_000, moto);
  return endpoint;
}

const FIDELITY_CLI = fileURLToPath(new URL('../faultproxy/cli.ts', import.meta.url));

/** The fidelity proxy as its own process, run by this Node (which strips the TypeScript types). */
async function startFidelityProxy(
  motoEndpoint: string,
  dir: string,
  started: Started[],
  opts: { settings?: ProxySettings; log: (m: string) => void },
): Promise<string> {
  const { settings, log } = opts;
  const port = await freePort();
  log(`starting the fidelity proxy on 127.0.0.1:${port}`);
  const args = [
    '--no-warnings',
    FIDELITY_CLI,
    '--upstream',
    motoEndpoint,
    '--port',
    String(port),
    '--region',
    TESTBED_REGION,
    ...settingsArgs(settings ?? {}),
  ];
  const proxy = startProcess('fidelity proxy', process.execPath, args, join(dir, 'fidelity-proxy.log'));
  started.push(proxy);
  const endpoint = `http://127.0.0.1:${port}`;
  // Through the proxy to moto's own API: ready means both ends answer.
  await waitFor(
    'fidelity proxy',
    async () => (await get(`${endpoint}/moto-api/data.json`)).status === 200,
    30_000,
    proxy,
  );
  return endpoint;
}

export async function startTestbed(opts: StartOptions = {}): Promise<TestbedInfo> {
  const log = opts.log ?? (() => {});
  const want = { kubernetes: true, aws: true, ...opts.components };
  const tools = findTools();
  const dir = mkdtempSync(join(tmpdir(), 'apigw-testbed-'));
  mkdirSync(join(dir, 'pki'));
  const started: Started[] = [];
  const ownerPid = opts.ownerPid ?? process.pid;
  try {
    const k8s = want.kubernetes ? await startKubernetes(tools, dir, started, log) : undefined;
    const motoEndpoint = want.aws ? await startMoto(tools, dir, started, log) : '';
    const awsEndpoint =
      motoEndpoint && opts.fidelity !== false
        ? await startFidelityProxy(motoEndpoint, dir, started, { settings: opts.proxy, log })
        : motoEndpoint;
    const pgids = started.map((s) => s.pid);
    const guardianPid = ownerPid > 0 ? startGuardian(ownerPid, pgids, dir) : 0;
    const env: Record<string, string> = {
      AWS_REGION: TESTBED_REGION,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    };
    if (k8s) env.KUBECONFIG = k8s.kubeconfig;
    if (awsEndpoint) env.AWS_ENDPOINT_URL_APIGATEWAYV2 = awsEndpoint;
    // STS (the operator's identity check, AssumeRole) straight to moto; the proxy is API Gateway's.
    if (motoEndpoint) env.AWS_ENDPOINT_URL_STS = motoEndpoint;
    return {
      dir,
      kubeconfig: k8s?.kubeconfig ?? '',
      apiserverUrl: k8s?.apiserverUrl ?? '',
      adminToken: k8s?.adminToken ?? '',
      caFile: k8s?.caFile ?? '',
      awsEndpoint,
      motoEndpoint,
      region: TESTBED_REGION,
      pgids,
      guardianPid,
      tools,
      env,
      ...(k8s ? { etcdUrl: k8s.etcdUrl, apiserver: k8s.apiserver } : {}),
      ownerPid,
    };
  } catch (err) {
    await Promise.allSettled(started.map((s) => stopGroup(s.pid)));
    const keep = process.env.TESTBED_KEEP_LOGS === '1';
    if (!keep) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

export async function stopTestbed(info: Pick<TestbedInfo, 'pgids' | 'dir' | 'guardianPid'>): Promise<void> {
  // Every group is stopped and the guardian and directory are cleaned up even if one group
  // survives; that failure is reported after.
  const stopped = await Promise.allSettled(info.pgids.map((pgid) => stopGroup(pgid)));
  if (info.guardianPid > 0) {
    try {
      process.kill(-info.guardianPid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  rmSync(info.dir, { recursive: true, force: true });
  const failed = stopped.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Shell `export` lines for the environment a client needs. */
export function envFile(info: TestbedInfo): string {
  return (
    Object.entries(info.env)
      .map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`)
      .join('\n') + '\n'
  );
}

/**
 * Stops kube-apiserver (SIGTERM, or SIGKILL with `kill: true`) and starts it again with the same
 * flags and port, while etcd keeps the data. `whileDown` runs in between (e.g. to write to etcd
 * directly). Updates `info` so that `stopTestbed` stops the new process.
 */
export async function restartApiserver(
  info: TestbedInfo,
  opts: { kill?: boolean; whileDown?: () => Promise<void> } = {},
): Promise<void> {
  const a = info.apiserver;
  if (!a) throw new Error('this test bed has no kube-apiserver');
  if (opts.kill) {
    try {
      process.kill(-a.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  await stopGroup(a.pid);
  await opts.whileDown?.();
  const next = startProcess('kube-apiserver', a.cmd, a.args, a.logFile);
  info.pgids = [...info.pgids.filter((p) => p !== a.pid), next.pid];
  info.apiserver = { ...a, pid: next.pid };
  // The guardian knows process groups by number: replace it with one that knows the new group.
  if (info.guardianPid > 0 && (info.ownerPid ?? 0) > 0) {
    try {
      process.kill(-info.guardianPid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    info.guardianPid = startGuardian(info.ownerPid!, info.pgids, info.dir);
  }
  const ca = readFileSync(info.caFile);
  await waitFor(
    'kube-apiserver (restarted)',
    async () => (await get(`${info.apiserverUrl}/readyz`, { ca, token: info.adminToken })).status === 200,
    90_000,
    next,
  );
}
