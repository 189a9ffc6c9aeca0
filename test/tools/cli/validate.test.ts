// `apigw-operator validate`, run as a process the way CI jobs and pre-commit hooks run it: exit 0
// when every ApiIntegration is valid, 1 with every problem listed when one is not, 2 on a usage
// error. No cluster and no AWS: the protocol comes from --protocol, or, with --protocol auto, from a
// stand-in for API Gateway's GetApi on a loopback port that records the region each call was signed for.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const EXAMPLES = join(ROOT, 'examples');
const tmp = mkdtempSync(join(tmpdir(), 'apigw-validate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function validate(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(NODE, [join(ROOT, 'src', 'main.ts'), 'validate', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

const examples = (prefix: string) =>
  readdirSync(EXAMPLES)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.yaml'))
    .sort();

const BROKEN = `apiVersion: v1
kind: ConfigMap
metadata:
  name: not-an-integration
---
apiVersion: apigw.dev/v1alpha1
kind: ApiIntegration
metadata:
  name: good
  namespace: shop
spec:
  apiId: a1b2c3d
  integrationType: HTTP_PROXY
  integrationMethod: GET
  integrationUri: https://shop.example.com/{proxy}
  payloadFormatVersion: "1.0"
---
apiVersion: apigw.dev/v1alpha1
kind: ApiIntegration
metadata:
  name: broken
  namespace: shop
spec:
  integrationType: HTTP_PROXY
  integrationUri: https://shop.example.com
  payloadFormatVersion: "2.0"
  timeoutInMillis: 40000
`;

describe('apigw-operator validate', () => {
  it('accepts every HTTP example for an HTTP API, each by name, and exits 0', () => {
    const files = examples('http-');
    expect(files.length).toBeGreaterThanOrEqual(4);
    const r = validate(...files.flatMap((f) => ['-f', join(EXAMPLES, f)]), '--protocol', 'http');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const f of files) expect(r.stdout).toMatch(new RegExp(`${f}: default/[a-z-]+: valid for a HTTP API`));
  });

  it('accepts every WebSocket example for a WebSocket API', () => {
    const r = validate(...examples('websocket-').flatMap((f) => ['-f', join(EXAMPLES, f)]), '--protocol', 'websocket');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/valid for a WEBSOCKET API/g)).toHaveLength(examples('websocket-').length);
  });

  it('refuses WebSocket-only settings for an HTTP API, saying what to change, and exits 1', () => {
    const r = validate('-f', join(EXAMPLES, 'websocket-mock.yaml'), '--protocol', 'http');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('default/chat-ping: invalid');
    expect(r.stdout).toContain('spec.integrationType: MOCK is not available on HTTP APIs');
    expect(r.stdout).toContain('spec.requestTemplates: requestTemplates is only for WebSocket APIs');
  });

  it('lists every problem of a broken manifest, still reports the good one, skips other kinds, and exits 1', () => {
    const r = validate('-f', file('broken.yaml', BROKEN), '--protocol', 'http');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('shop/good: valid for a HTTP API');
    expect(r.stdout).toContain('shop/broken: invalid');
    expect(r.stdout).toContain('spec.apiId: is required');
    expect(r.stdout).toMatch(/spec\.integrationMethod: HTTP_PROXY integrations require integrationMethod/);
    expect(r.stdout).toMatch(/spec\.timeoutInMillis: .*30000/);
    expect(r.stdout).toMatch(
      /spec\.payloadFormatVersion: payloadFormatVersion 2\.0 is only for Lambda proxy integrations/,
    );
    expect(r.stdout).not.toContain('not-an-integration');
  });

  it('checks a whole directory, and finds the broken file among good ones', () => {
    file('good.yaml', BROKEN.split('---\n')[1]!);
    const dir = validate('-f', tmp, '--protocol', 'http');
    expect(dir.code).toBe(1);
    expect(dir.stdout).toContain('good.yaml: shop/good: valid');
    expect(dir.stdout).toContain('broken.yaml: shop/broken: invalid');
  });

  it('checks the structure even without --protocol, and says the protocol rules were not applied', () => {
    const ok = validate('-f', join(EXAMPLES, 'http-lambda-proxy.yaml'));
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('protocol-specific rules not checked: pass --protocol');
    const bad = validate('-f', file('no-api.yaml', BROKEN.split('---\n')[2]!));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('spec.apiId: is required');
  });

  it("checks ApiRoute manifests too, with the route rules of the API's protocol", () => {
    const http = validate('-f', join(EXAMPLES, 'routes', 'apiroute-http.yaml'), '--protocol', 'http');
    expect(http.code).toBe(0);
    expect(http.stdout).toMatch(/apiroute-http.yaml: [a-z-]+\/[a-z-]+: valid for a HTTP API/);
    // A WebSocket route on an HTTP API is refused by the protocol rules, not by the structure.
    const ws = join(EXAMPLES, 'routes', 'apiroute-websocket.yaml');
    expect(validate('-f', ws, '--protocol', 'websocket').code).toBe(0);
    const wrong = validate('-f', ws, '--protocol', 'http');
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('invalid');
    const badKey = validate(
      '-f',
      file(
        'bad-route.yaml',
        'apiVersion: apigw.dev/v1alpha1\nkind: ApiRoute\nmetadata: {name: r}\nspec: {apiId: a1b2c3d4e5, routeKey: "$connected", target: integrations/abc1234}\n',
      ),
    );
    expect(badKey.code).toBe(1);
    expect(badKey.stdout).toContain('spec.routeKey');
  });

  it("checks ApiStage manifests too, with the stage rules of the API's protocol", () => {
    const dir = join(EXAMPLES, 'stages');
    const http = validate('-f', join(dir, 'apistage-http.yaml'), '--protocol', 'http');
    expect(http.code).toBe(0);
    expect(http.stdout).toMatch(/apistage-http.yaml: default\/orders-prod: valid for a HTTP API/);
    expect(validate('-f', join(dir, 'apistage-websocket.yaml'), '--protocol', 'websocket').code).toBe(0);
    // Execution logging is WebSocket-only: the protocol rules refuse it on an HTTP API.
    const wrong = validate('-f', join(dir, 'apistage-websocket.yaml'), '--protocol', 'http');
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('spec.defaultRouteSettings.loggingLevel: loggingLevel is only for WebSocket APIs');
    const contradiction = validate(
      '-f',
      file(
        'bad-stage.yaml',
        'apiVersion: apigw.dev/v1alpha1\nkind: ApiStage\nmetadata: {name: s}\nspec: {apiId: a1b2c3d4e5, stageName: prod, autoDeploy: true, deploymentPolicy: Manual}\n',
      ),
    );
    expect(contradiction.code).toBe(1);
    expect(contradiction.stdout).toContain('spec.autoDeploy: autoDeploy true makes AWS deploy every change at once');
  });

  it('reports YAML that does not parse, and exits 1', () => {
    const r = validate(
      '-f',
      file('bad-yaml.yaml', 'apiVersion: apigw.dev/v1alpha1\nkind: ApiIntegration\nmetadata: {name: x\nspec: [\n'),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('not valid YAML');
  });

  it('says so when a file has no ApiIntegration, and exits 0', () => {
    const r = validate('-f', file('other.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no ApiIntegration, ApiRoute or ApiStage objects found');
  });

  it.each([
    [['--protocol', 'ftp', '-f', EXAMPLES], /--protocol must be http, websocket or auto/],
    [[], /give at least one -f/],
    [['-f', EXAMPLES, '--bogus'], /unexpected argument '--bogus'/],
  ])('exits 2 on a usage error: %j', (args, message) => {
    const r = validate(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('apigw-operator validate: directories', () => {
  const tree = mkdtempSync(join(tmpdir(), 'apigw-validate-tree-'));
  afterAll(() => rmSync(tree, { recursive: true, force: true }));
  const good = (name: string) => BROKEN.split('---\n')[1]!.replace('name: good', `name: ${name}`);
  const put = (path: string, text: string) => {
    mkdirSync(join(tree, path, '..'), { recursive: true });
    writeFileSync(join(tree, path), text);
  };

  it('checks the YAML files in subdirectories too, in the same order every time, and skips hidden directories', () => {
    put('b/nested/deeper.yaml', good('deeper'));
    put('b/c.yml', good('c'));
    put('a.yaml', good('a'));
    put('b-sibling.yaml', good('sibling'));
    put('b/nested/broken.yaml', BROKEN.split('---\n')[2]!);
    put('.git/ignored.yaml', good('in-git'));
    put('b/notes.txt', good('not-yaml'));
    symlinkSync(join(tree, 'b'), join(tree, 'loop'));
    const r = validate('-f', tree, '--protocol', 'http');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const reported = r.stdout.match(/^\S+: shop\/\S+: \w+/gm)!.map((l) => l.replace(`${tree}/`, ''));
    expect(reported).toEqual([
      'a.yaml: shop/a: valid',
      'b/c.yml: shop/c: valid',
      'b/nested/broken.yaml: shop/broken: invalid',
      'b/nested/deeper.yaml: shop/deeper: valid',
      'b-sibling.yaml: shop/sibling: valid',
    ]);
    expect(validate('-f', tree, '--protocol', 'http').stdout).toBe(r.stdout);
  });
});

describe('apigw-operator validate --protocol auto', () => {
  /** The region each GetApi call was signed for, with the API id it asked for. */
  const calls: { region: string; apiId: string }[] = [];
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const region = /Credential=[^/]+\/\d+\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const apiId = /^\/v2\/apis\/([^/?]+)$/.exec(req.url ?? '')?.[1] ?? '';
      calls.push({ region, apiId });
      res.setHeader('content-type', 'application/json');
      if (apiId === 'httpapi1') {
        res.end(
          JSON.stringify({
            apiId,
            name: 'shop',
            protocolType: 'HTTP',
            routeSelectionExpression: '${request.method} ${request.path}',
          }),
        );
        return;
      }
      res.statusCode = 404;
      res.setHeader('x-amzn-errortype', 'NotFoundException');
      res.end(JSON.stringify({ message: 'Invalid API identifier specified' }));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  const manifest = (name: string, apiId: string, region?: string) =>
    `apiVersion: apigw.dev/v1alpha1
kind: ApiIntegration
metadata: {name: ${name}, namespace: shop}
spec:
  apiId: ${apiId}
  ${region ? `region: ${region}` : ''}
  integrationType: AWS_PROXY
  integrationUri: arn:aws:lambda:eu-west-3:123456789012:function:orders
  payloadFormatVersion: "2.0"
`;
  const manifests = file(
    'auto.yaml',
    [manifest('found', 'httpapi1'), manifest('typo', 'httpapi2'), manifest('pinned', 'httpapi3', 'sa-east-1')].join(
      '---\n',
    ),
  );

  /** Runs the command without blocking this process, which serves the stand-in. */
  function validateAuto(
    env: Record<string, string>,
    ...args: string[]
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const fullEnv = {
      PATH: process.env.PATH ?? '',
      HOME: tmp,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_ENDPOINT_URL_APIGATEWAYV2: endpoint,
      ...env,
    };
    const argv = [join(ROOT, 'src', 'main.ts'), 'validate', '-f', manifests, '--protocol', 'auto', ...args];
    return new Promise((ok) =>
      execFile(NODE, argv, { env: fullEnv, timeout: 30_000 }, (err, stdout, stderr) =>
        ok({ code: err ? Number(err.code) : 0, stdout, stderr }),
      ),
    );
  }

  it.each([
    ['AWS_REGION', { AWS_REGION: 'eu-west-3' }, [], 'eu-west-3'],
    ['AWS_DEFAULT_REGION', { AWS_DEFAULT_REGION: 'eu-north-1' }, [], 'eu-north-1'],
    [
      'APIGW_REGION before AWS_REGION, as the operator',
      { APIGW_REGION: 'ca-central-1', AWS_REGION: 'eu-west-3' },
      [],
      'ca-central-1',
    ],
    ['--region over the environment', { AWS_REGION: 'eu-west-3' }, ['--region', 'ap-south-1'], 'ap-south-1'],
  ])(
    'looks an API up in the operator’s region (%s), or in spec.region, and says which API it did not find there',
    async (_case, env, args, region) => {
      calls.length = 0;
      const r = await validateAuto(env, ...args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('shop/found: valid for a HTTP API');
      expect(r.stdout).toContain(`shop/typo: invalid\n  spec.apiId: API httpapi2 not found in ${region};`);
      expect(r.stdout).toContain('shop/pinned: invalid\n  spec.apiId: API httpapi3 not found in sa-east-1;');
      expect(r.stdout).not.toContain('protocol-specific rules not checked');
      expect(calls.map((c) => `${c.apiId}@${c.region}`).sort()).toEqual([
        `httpapi1@${region}`,
        `httpapi2@${region}`,
        'httpapi3@sa-east-1',
      ]);
    },
  );

  it('refuses to guess a region, as the operator does, and makes no call', async () => {
    calls.length = 0;
    const r = await validateAuto({});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no default AWS region: set --region or AWS_REGION');
    expect(calls).toEqual([]);
  });
});
