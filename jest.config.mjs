// Four projects: pure unit tables that stay in-process; tool checks that run processes (helm,
// kubectl, glua, bash, the operator's CLI) on the repository's files but need no test bed;
// integration tests against the real test bed (kube-apiserver + etcd + moto) that the global set-up
// starts; and reliability scenarios (faults, kills, restarts, failover, churn) on the same test bed,
// in reduced size unless RELIABILITY_FULL=1.
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
      module: { type: 'es6' },
      sourceMaps: 'inline',
    },
  ],
};

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'tools', testMatch: ['<rootDir>/test/tools/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/testbed/jest-global-setup.ts',
      globalTeardown: '<rootDir>/test/testbed/jest-global-teardown.ts',
      slowTestThreshold: 30,
    },
    {
      ...common,
      displayName: 'reliability',
      testMatch: ['<rootDir>/test/reliability/**/*.test.ts'],
      globalSetup: '<rootDir>/test/testbed/jest-global-setup.ts',
      globalTeardown: '<rootDir>/test/testbed/jest-global-teardown.ts',
      slowTestThreshold: 120,
    },
  ],
  testTimeout: 120000,
};
