// Lint rules that keep the shape of the code: dependencies point inward
// (adapters -> apiintegration -> runtime -> api), only the adapters touch the SDKs, only the
// composition root reads the environment, and files and functions stay small.
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const layer = (files, patterns, extra = {}) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns }],
    ...extra,
  },
});

const sdk = (name) => ({
  group: [`${name}`, `${name}/*`],
  message: `only the ${name.includes('aws') ? 'AWS' : 'Kubernetes'} adapter may import ${name}`,
});
const up = (dir, why) => ({ group: [`**/${dir}/**`, `**/${dir}.ts`], message: why });
const noEnv = {
  'no-restricted-syntax': [
    'error',
    {
      selector: "MemberExpression[object.name='process'][property.name='env']",
      message: 'read configuration in src/config.ts and pass it down',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'charts/**', '.testbed/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 550, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 110, skipBlankLines: true, skipComments: true }],
      complexity: ['error', 25],
      'no-console': 'error',
    },
  },
  layer(
    ['src/api/**/*.ts'],
    [
      up('runtime', 'api is the innermost layer'),
      up('apiintegration', 'api is the innermost layer'),
      up('adapters', 'api is the innermost layer'),
      sdk('@aws-sdk'),
      sdk('@kubernetes/client-node'),
    ],
    noEnv,
  ),
  layer(
    ['src/runtime/**/*.ts'],
    [
      up('apiintegration', 'the runtime knows nothing of ApiIntegration'),
      up('adapters', 'the runtime talks to ports, not adapters'),
      sdk('@aws-sdk'),
      sdk('@kubernetes/client-node'),
    ],
    noEnv,
  ),
  layer(
    ['src/apiintegration/**/*.ts'],
    [
      up('adapters', 'the feature talks to ports; adapters are wired in main.ts'),
      sdk('@aws-sdk'),
      sdk('@kubernetes/client-node'),
    ],
    noEnv,
  ),
  layer(
    ['src/adapters/aws/**/*.ts'],
    [up('kubernetes', 'adapters do not know each other'), sdk('@kubernetes/client-node')],
    noEnv,
  ),
  layer(['src/adapters/kubernetes/**/*.ts'], [up('aws', 'adapters do not know each other'), sdk('@aws-sdk')], noEnv),
  {
    files: ['src/main.ts', 'src/config.ts', 'src/cli/**/*.ts', 'src/tools/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off', 'no-console': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'hack/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  // Layout is the formatter's job (prettier, 120 columns, checked by npm run lint).
  prettier,
);
