// Native ESM (NestJS 12 is ESM-only): run with NODE_OPTIONS=--experimental-vm-modules (see package.json).
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'es6' },
    swcrc: false,
  },
];

const base = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1', '^content-disposition$': '<rootDir>/test/setup/content-disposition.cjs' },
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/setup/reflect.ts'],
};

const dbProjects = [{ displayName: 'embedded', testDb: 'embedded' }];
if (process.env.TEST_DATABASE_URL) dbProjects.push({ displayName: 'postgres', testDb: 'postgres' });

export default {
  testTimeout: 60_000,
  maxWorkers: 2,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts', '<rootDir>/test/e2e/**/*.spec.ts'] },
    ...dbProjects.map(({ displayName, testDb }) => ({
      ...base,
      displayName,
      testMatch: ['<rootDir>/test/integration/**/*.spec.ts'],
      globals: { TEST_DB: testDb },
    })),
  ],
};
