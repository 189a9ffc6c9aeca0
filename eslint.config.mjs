// Lint rules that keep the shape of the code: dependencies point inward
// (adapters -> features (apiintegration, apiroute, apistage) -> kernel (kind) -> runtime -> api), features do not import
// each other, adapters see the kernel and a feature's ports only, only the adapters touch the SDKs, only the
// composition root reads the environment, and files and functions stay small and simple.
// Every file under src/ belongs to exactly one layer (the `layer/...` blocks below);
// test/unit/lint-layers.test.ts fails when a file, or a new directory, belongs to none.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/** A layer: the files it holds and the imports they may not make. */
const layer = (name, files, patterns, ignores) => ({
  name: `layer/${name}`,
  files,
  ...(ignores ? { ignores } : {}),
  rules: { 'no-restricted-imports': ['error', { patterns: [shipped, ...patterns] }] },
});

const sdk = (name) => ({
  group: [`${name}`, `${name}/*`],
  message: `only the ${name.includes('aws') ? 'AWS' : 'Kubernetes'} adapter may import ${name}`,
});
const sdks = [sdk('@aws-sdk'), sdk('@kubernetes/client-node')];
const up = (dir, why) => ({ group: [`**/${dir}/**`, `**/${dir}.ts`], message: why });
const shipped = {
  group: ['**/test/**', '**/bench/**', '**/hack/**'],
  message: 'shipped code does not import tests, benchmarks or scripts',
};
const rootFiles = (files, why) => ({ group: files.map((f) => `**/${f}.ts`), message: why });
// The entry point, the wiring, its configuration and the helpers the wiring wraps ports in: only
// main.ts and operator.ts import these.
const compositionRoot = rootFiles(
  [
    'main',
    'operator',
    'operator-routes',
    'operator-stages',
    'operator-kind',
    'config',
    'fencing',
    'operator-metrics',
    'commands',
    'kubectl-apigw',
  ],
  'the composition root (main.ts, operator.ts) passes what is needed down; nothing imports it',
);
const features = (why) => [up('apiintegration', why), up('apiroute', why), up('apistage', why)];
const kernel = (why) => up('kind', why);
// A feature stands on the kernel (src/kind), never on another feature: what two kinds share moves down.
const otherFeature = (dir) =>
  up(dir, 'features do not import each other; what kinds share lives in the kernel, src/kind');
// An adapter implements a feature's ports (and throws the errors those ports name), nothing more of it.
const featureInternals = {
  group: [
    '**/apiintegration/**',
    '!**/apiintegration/ports.ts',
    '!**/apiintegration/permission-ports.ts',
    '**/apiroute/**',
    '!**/apiroute/ports.ts',
    '!**/apiroute/errors.ts',
    '**/apistage/**',
    '!**/apistage/ports.ts',
  ],
  message: "an adapter sees the kernel (src/kind) and a feature's ports, not the feature's internals",
};
const offline = (who) => [
  up('runtime', `${who} runs offline from the schema`),
  kernel(`${who} runs offline from the schema`),
  ...features(`${who} runs offline from the schema`),
  up('adapters', `${who} runs offline; main.ts or commands.ts passes in anything that talks to AWS or the cluster`),
  ...sdks,
  compositionRoot,
];

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'charts/**', '.testbed/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Type-aware rules, only the two that catch lost errors: a promise nobody awaits rejects into
  // the void (or kills the process), and an async callback where a void one is expected does too.
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'hack/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 450, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      complexity: ['error', 12],
      'max-params': ['error', 4],
      'max-depth': ['error', 3],
      'no-console': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'read configuration in src/config.ts and pass it down',
        },
      ],
    },
  },
  // Only the composition root reads the environment; only the entry points and the generators print.
  { files: ['src/main.ts', 'src/config.ts', 'src/cli/kubectl-apigw.ts'], rules: { 'no-restricted-syntax': 'off' } },
  { files: ['src/main.ts', 'src/cli/kubectl-apigw.ts', 'src/tools/**/*.ts'], rules: { 'no-console': 'off' } },

  layer(
    'composition-root',
    [
      'src/main.ts',
      'src/operator.ts',
      'src/operator-routes.ts',
      'src/operator-stages.ts',
      'src/operator-kind.ts',
      // The command-line tools' wiring, and the kubectl plugin's entry point (it lives with the tools it runs).
      'src/commands.ts',
      'src/cli/kubectl-apigw.ts',
    ],
    [],
  ),
  layer(
    'config',
    ['src/config.ts'],
    [
      up('runtime', 'configuration is plain data from flags and environment'),
      kernel('configuration is plain data from flags and environment'),
      ...features('configuration is plain data from flags and environment'),
      up('adapters', 'configuration is plain data from flags and environment'),
      ...sdks,
      compositionRoot,
    ],
  ),
  layer(
    'wiring',
    ['src/fencing.ts', 'src/operator-metrics.ts'],
    [
      up('adapters', 'these wrap ports and observe objects; operator.ts hands them the adapters'),
      ...sdks,
      compositionRoot,
    ],
  ),
  layer('cli', ['src/cli/**/*.ts'], offline('the command-line tools'), ['src/cli/kubectl-apigw.ts']),
  layer('tools', ['src/tools/**/*.ts'], offline('the generator')),
  layer(
    'api',
    ['src/api/**/*.ts'],
    [
      up('runtime', 'api is the innermost layer'),
      kernel('api is the innermost layer'),
      ...features('api is the innermost layer'),
      up('adapters', 'api is the innermost layer'),
      ...sdks,
      compositionRoot,
    ],
  ),
  layer(
    'runtime',
    ['src/runtime/**/*.ts'],
    [
      ...features('the runtime knows nothing of the features it runs'),
      kernel('the runtime knows nothing of the kinds it runs'),
      up('adapters', 'the runtime talks to ports, not adapters'),
      ...sdks,
      compositionRoot,
    ],
  ),
  // The kernel: what every kind shares (errors, the failure decision, requeue timing, the annotation
  // record, the shared ports). It knows no kind.
  layer(
    'kind',
    ['src/kind/**/*.ts'],
    [
      ...features('the kernel knows no kind; a kind plugs its vocabulary in'),
      up('adapters', 'the kernel talks to ports; adapters are wired in operator.ts'),
      ...sdks,
      compositionRoot,
    ],
  ),
  // The features: ApiIntegration, ApiRoute and ApiStage, each on the kernel and none on another.
  layer(
    'apiintegration',
    ['src/apiintegration/**/*.ts'],
    [
      otherFeature('apiroute'),
      otherFeature('apistage'),
      up('adapters', 'a feature talks to ports; adapters are wired in operator.ts'),
      ...sdks,
      compositionRoot,
    ],
  ),
  layer(
    'apiroute',
    ['src/apiroute/**/*.ts'],
    [
      otherFeature('apiintegration'),
      otherFeature('apistage'),
      up('adapters', 'a feature talks to ports; adapters are wired in operator.ts'),
      ...sdks,
      compositionRoot,
    ],
  ),
  layer(
    'apistage',
    ['src/apistage/**/*.ts'],
    [
      otherFeature('apiintegration'),
      otherFeature('apiroute'),
      up('adapters', 'a feature talks to ports; adapters are wired in operator.ts'),
      ...sdks,
      compositionRoot,
    ],
  ),
  layer(
    'adapters/aws',
    ['src/adapters/aws/**/*.ts'],
    [
      up('kubernetes', 'adapters do not know each other'),
      featureInternals,
      sdk('@kubernetes/client-node'),
      compositionRoot,
    ],
  ),
  layer(
    'adapters/kubernetes',
    ['src/adapters/kubernetes/**/*.ts'],
    [up('aws', 'adapters do not know each other'), featureInternals, sdk('@aws-sdk'), compositionRoot],
  ),
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'hack/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  // Layout is the formatter's job (prettier, 120 columns, checked by npm run lint).
  prettier,
);
