// `apigw-operator validate`, run as a process the way CI jobs and pre-commit hooks run it: exit 0
// when every ApiIntegration is valid, 1 with every problem listed when one is not, 2 on a usage
// error. No cluster and no AWS: the protocol comes from --protocol.
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
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
    expect(r.stdout).toContain('no ApiIntegration or ApiRoute objects found');
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
