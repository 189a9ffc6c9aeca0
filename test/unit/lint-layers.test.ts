// The import rules of eslint.config.mjs cover every file under src/ (a new file or directory
// cannot slip between the layers) and they bite: in each layer a forbidden import is reported and
// an allowed one is not. Linted without type information, so this stays fast.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { join, matchesGlob, resolve, sep } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const ROOT = resolve(import.meta.dirname, '..', '..');

const sourceFiles = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `src/${f.split(sep).join('/')}`)
  .sort();

let config: Linter.Config[];
let layers: Linter.Config[];
let eslint: ESLint;

beforeAll(async () => {
  // A computed specifier: the config is plain JavaScript with no type declarations.
  const configFile = join(ROOT, 'eslint.config.mjs');
  config = ((await import(configFile)) as { default: Linter.Config[] }).default;
  layers = config.filter((block) => block.name?.startsWith('layer/'));
  eslint = new ESLint({
    cwd: ROOT,
    overrideConfigFile: true,
    baseConfig: config,
    overrideConfig: tseslint.configs.disableTypeChecked as Linter.Config,
  });
});

const restricted = (rules: Linter.Config['rules']) => (rules?.['no-restricted-imports'] as unknown[])?.[1];

describe('every file under src/ is in exactly one layer', () => {
  it('finds the source files', () => {
    expect(sourceFiles).toEqual(expect.arrayContaining(['src/main.ts', 'src/runtime/controller.ts']));
  });

  it.each(sourceFiles)('%s', async (file) => {
    const owners = layers.filter(
      (layer) =>
        (layer.files as string[]).some((glob) => matchesGlob(file, glob)) &&
        !((layer.ignores ?? []) as string[]).some((glob) => matchesGlob(file, glob)),
    );
    expect(owners.map((l) => l.name)).toHaveLength(1);
    // And no later block replaces the layer's rule for this file.
    const effective = (await eslint.calculateConfigForFile(join(ROOT, file))) as Linter.Config;
    expect(restricted(effective.rules)).toEqual(restricted(owners[0]!.rules));
  });
});

async function problems(filePath: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath) });
  return result!.messages;
}

const forbidden: [file: string, code: string][] = [
  ['src/runtime/x.ts', "export { KubeRest } from '../adapters/kubernetes/rest.ts';"],
  ['src/runtime/x.ts', "export { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';"],
  ['src/runtime/x.ts', "export { parseConfig } from '../config.ts';"],
  ['src/api/v1alpha1/x.ts', "export { Informer } from '../../runtime/informer.ts';"],
  ['src/apiintegration/x.ts', "export { ApiGatewayV2Gateway } from '../adapters/aws/gateway.ts';"],
  ['src/apiintegration/x.ts', "export type { KubeConfig } from '@kubernetes/client-node';"],
  ['src/apiroute/x.ts', "export { ApiGatewayV2Gateway } from '../adapters/aws/gateway.ts';"],
  ['src/runtime/x.ts', "export type { RouteFields } from '../apiroute/ports.ts';"],
  ['src/adapters/aws/x.ts', "export { KubeRest } from '../kubernetes/rest.ts';"],
  ['src/adapters/kubernetes/x.ts', "export { translate } from '../aws/errors.ts';"],
  ['src/adapters/kubernetes/x.ts', "export { Operator } from '../../operator.ts';"],
  ['src/fencing.ts', "export { KubeRest } from './adapters/kubernetes/rest.ts';"],
  ['src/operator-metrics.ts', "export type { KubeConfig } from '@kubernetes/client-node';"],
  ['src/config.ts', "export { Informer } from './runtime/informer.ts';"],
  ['src/cli/x.ts', "export { ApiGatewayV2Gateway } from '../adapters/aws/gateway.ts';"],
  ['src/tools/x.ts', "export { Controller } from '../runtime/controller.ts';"],
  ['src/main.ts', "export { waitFor } from '../test/support/poll.ts';"],
  // Features do not import each other; what both need is the kernel's.
  ['src/apiroute/x.ts', "export { recordedOf } from '../apiintegration/recorded.ts';"],
  ['src/apiroute/x.ts', "export type { IntegrationGateway } from '../apiintegration/ports.ts';"],
  ['src/apiintegration/x.ts', "export { routeClaimsOf } from '../apiroute/setup.ts';"],
  // The kernel knows no kind, and nothing below it knows the kernel.
  ['src/kind/x.ts', "export type { RoutePlan } from '../apiroute/decide.ts';"],
  ['src/kind/x.ts', "export { ApiGatewayV2Gateway } from '../adapters/aws/gateway.ts';"],
  ['src/runtime/x.ts', "export { AwsError } from '../kind/errors.ts';"],
  ['src/api/v1alpha1/x.ts', "export type { Place } from '../../kind/record.ts';"],
  // An adapter sees a feature's ports, not its internals.
  ['src/adapters/aws/x.ts', "export { recordedOf } from '../../apiintegration/recorded.ts';"],
  ['src/adapters/kubernetes/x.ts', "export { decideRoute } from '../../apiroute/decide.ts';"],
];

describe('a forbidden import is reported', () => {
  it.each(forbidden)('%s: %s', async (file, code) => {
    const rules = (await problems(file, code)).map((m) => m.ruleId);
    expect(rules).toEqual(['no-restricted-imports']);
  });

  it('reading the environment outside the composition root', async () => {
    const rules = (await problems('src/runtime/x.ts', 'export const region = process.env.AWS_REGION;\n')).map(
      (m) => m.ruleId,
    );
    expect(rules).toEqual(['no-restricted-syntax']);
  });
});

describe('an allowed import is not', () => {
  it('the runtime importing its own files and the api', async () => {
    const code = [
      "import { systemClock } from './clock.ts';",
      "import type { ApiIntegration } from '../api/v1alpha1/types.ts';",
      'export const stamp = (o: ApiIntegration): string => `${o.metadata?.name ?? ""}@${systemClock.now()}`;',
      '',
    ].join('\n');
    expect(await problems('src/runtime/x.ts', code)).toEqual([]);
  });

  it('a feature importing the kernel and its own files', async () => {
    const code = [
      "import { AwsError } from '../kind/errors.ts';",
      "import { recordedRouteOf } from './recorded.ts';",
      'export { AwsError, recordedRouteOf };',
      '',
    ].join('\n');
    expect(await problems('src/apiroute/x.ts', code)).toEqual([]);
  });

  it("an adapter importing the kernel and a feature's ports", async () => {
    const code = [
      "import type { Location } from '../../kind/ports.ts';",
      "import type { IntegrationGateway } from '../../apiintegration/ports.ts';",
      "import type { RouteGateway } from '../../apiroute/ports.ts';",
      'export type Gateways = [Location, IntegrationGateway, RouteGateway];',
      '',
    ].join('\n');
    expect(await problems('src/adapters/aws/x.ts', code)).toEqual([]);
  });

  it('the composition root importing adapters, SDKs and the environment', async () => {
    const code = [
      "import type { KubeConfig } from '@kubernetes/client-node';",
      "import { ApiGatewayV2Gateway } from './adapters/aws/gateway.ts';",
      'export const wire = (kc: KubeConfig) => ({ kc, gateway: ApiGatewayV2Gateway, env: process.env.AWS_REGION });',
      '',
    ].join('\n');
    expect(await problems('src/main.ts', code)).toEqual([]);
  });
});
