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

// Tiers, named for what they are. unit: no database, no process. integration: the app in-process
// on a real database, once per database. e2e: the built service (dist/) as a process, and a browser.
const databases = [{ name: 'embedded' }];
if (process.env.TEST_DATABASE_URL) databases.push({ name: 'postgres' });

export default {
  testTimeout: 60_000,
  maxWorkers: 2,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'] },
    ...databases.map(({ name }) => ({
      ...base,
      displayName: `integration-${name}`,
      testMatch: ['<rootDir>/test/integration/**/*.spec.ts'],
      globals: { TEST_DB: name },
    })),
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'] },
  ],
};
