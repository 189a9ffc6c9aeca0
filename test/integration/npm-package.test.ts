// The npm package as a user gets it: `npm pack` of a clean copy of the checkout (its prepack
// compiles TypeScript to dist/), the tarball installed into an empty prefix with
// `npm install --prefix`, and the installed commands run from there, `import` against an API on
// the test bed's emulator. Node refuses to strip types
// under node_modules, so this proves the package ships JavaScript whose relative imports resolve
// (tsconfig's rewriteRelativeImportExtensions) and carries every file the commands read.
// Dependencies come from the npm cache the checkout was installed from, else from the registry.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
} from '@aws-sdk/client-apigatewayv2';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { networkEnv, ok, packCheckout, PATH_WITH_NODE, ROOT, run, type Packed } from '../support/npm-pack.ts';
import { tb } from '../support/cluster.ts';

const work = mkdtempSync(join(tmpdir(), 'apigw-npm-package-'));
const prefix = join(work, 'prefix');
const installedBin = join(prefix, 'node_modules', '.bin');
const installedPackage = join(prefix, 'node_modules', 'apigw-operator');

const BROKEN = `apiVersion: apigw.dev/v1alpha1
kind: ApiIntegration
metadata:
  name: broken
  namespace: shop
spec:
  apiId: a1b2c3d
  integrationType: HTTP_PROXY
  integrationMethod: GET
  payloadFormatVersion: "1.0"
`;

interface InstalledCommand {
  bin: string;
  args: string[];
  code: number;
  /** What stdout must contain. */
  says: RegExp;
}

/**
 * Every command the installed package must run. `kubectl-apigw` (its bin entry is already in
 * package.json) and `apigw-operator import` are added here with their sources; npm links only the
 * bins whose file the tarball holds, so each entry also proves its bin was installed.
 */
const INSTALLED_COMMANDS: InstalledCommand[] = [
  { bin: 'apigw-operator', args: ['--help'], code: 0, says: /validate/ },
  {
    bin: 'apigw-operator',
    args: ['validate', '-f', join(ROOT, 'examples'), '-f', join(ROOT, 'examples', 'routes')],
    code: 0,
    says: /default\/catalog-backend: valid/,
  },
  { bin: 'apigw-operator', args: ['import', '--help'], code: 0, says: /--api-id ID/ },
  { bin: 'kubectl-apigw', args: ['--help'], code: 0, says: /kubectl apigw tree/ },
];

let packed: Packed;

beforeAll(() => {
  packed = packCheckout(work);
  mkdirSync(prefix);
  ok(
    run(
      'npm',
      ['install', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', packed.tgz],
      work,
      300_000,
    ),
    'npm install --prefix',
  );
}, 480_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the npm package apigw-operator', () => {
  it('is publishable and ships compiled JavaScript, the CRDs and the examples, but no TypeScript or tests', () => {
    const pkg = JSON.parse(readFileSync(join(installedPackage, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.private).toBeUndefined();
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['dist/src/main.js', 'crds/apiroutes.apigw.dev.yaml', 'LICENSE']));
    expect(files).toContain('README.md');
    expect(files.filter((f) => f.endsWith('.ts') || f.startsWith('test/') || f.startsWith('src/'))).toEqual([]);
  });

  it('rewrites every relative import to .js, so Node never has to strip types under node_modules', () => {
    const js = readdirSync(join(installedPackage, 'dist'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.js'),
    );
    // Statements only: a module may hold import lines as text (the reasons generator does).
    const tsImport =
      /^\s*(import|export)\b[^\n]*from\s*['"]\.{1,2}\/[^'"]*\.ts['"]|\bimport\(\s*['"]\.{1,2}\/[^'"]*\.ts['"]/m;
    const tsImports = js.filter((f) => tsImport.test(readFileSync(join(installedPackage, 'dist', f), 'utf8')));
    expect(tsImports).toEqual([]);
  });

  it.each(INSTALLED_COMMANDS.map((c) => [`${c.bin} ${c.args[0]}`, c] as const))('runs `%s` installed', (_, c) => {
    expect(existsSync(join(installedBin, c.bin))).toBe(true);
    const r = run(join(installedBin, c.bin), c.args, work);
    expect({ code: r.status, stderr: r.stderr }).toEqual({ code: c.code, stderr: '' });
    expect(r.stdout).toMatch(c.says);
  });

  it('refuses a broken manifest with a non-zero exit and says what is wrong', () => {
    const broken = join(work, 'broken.yaml');
    writeFileSync(broken, BROKEN);
    const r = run(join(installedBin, 'apigw-operator'), ['validate', '-f', broken], work);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/shop\/broken.*integrationUri/s);
  });
});

describe('the installed import', () => {
  it('writes manifests for an API on the emulator that the installed validate accepts, on the same ids', async () => {
    const aws = new ApiGatewayV2Client({ region: tb.region, endpoint: tb.awsEndpoint });
    const { ApiId: apiId } = await aws.send(
      new CreateApiCommand({ Name: `npm-import-${Date.now()}`, ProtocolType: 'HTTP' }),
    );
    const { IntegrationId: integrationId } = await aws.send(
      new CreateIntegrationCommand({
        ApiId: apiId,
        IntegrationType: 'HTTP_PROXY',
        IntegrationUri: 'https://orders.example.com',
        IntegrationMethod: 'GET',
        PayloadFormatVersion: '1.0',
      }),
    );
    const { RouteId: routeId } = await aws.send(
      new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /orders', Target: `integrations/${integrationId}` }),
    );
    const out = join(work, 'imported');
    // spawnSync is fine here: the emulator is the test bed's own process, not this one's event loop.
    const r = spawnSync(
      join(installedBin, 'apigw-operator'),
      ['import', '--api-id', apiId!, '--region', tb.region, '--aws-endpoint', tb.awsEndpoint, '-n', 'shop', '-o', out],
      {
        cwd: work,
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          ...networkEnv(),
          PATH: PATH_WITH_NODE,
          HOME: work,
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
        },
      },
    );
    expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const integrations = readFileSync(join(out, 'apiintegrations.yaml'), 'utf8');
    const routes = readFileSync(join(out, 'apiroutes.yaml'), 'utf8');
    expect(integrations).toContain(`integrationId: ${integrationId}`);
    expect(routes).toContain(`routeId: ${routeId}`);

    const validated = run(join(installedBin, 'apigw-operator'), ['validate', '-f', out], work);
    expect({ code: validated.status, stderr: validated.stderr }).toEqual({ code: 0, stderr: '' });
    expect(validated.stdout).toMatch(/shop\/\S+: valid/);
  });
});
