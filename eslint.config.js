import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

// Feature boundaries. Every folder under src/ is a feature that owns its tables: its repositories and
// entities are its internals (one owner per table). Another feature may import only its public
// surface: files with these roles, plus the few named below. src/common and src/config are shared.
const PUBLIC_ROLES = ['module', 'service', 'exception', 'types', 'dto', 'decorators'];
const PUBLIC_FILES = {
  admin: ['admin-static'], // app.factory.ts serves the built UI
  connections: ['refresh-due'], // THE definition of due: the SQL here, the same rule in tokens/refresh-policy.ts
  crypto: ['secret', 'key-ring', 'encrypted-column.transformer'], // entities declare encrypted columns with these
  database: ['data-source', 'embedded-postgres'], // CLIs open the database without Nest
  demo: ['demo-provider.config'], // src/startup-config.ts composes the startup configuration
  providers: ['provider-catalogue', 'providers-config'], // the same, and PROVIDERS_FILE entries build on the catalogue
};
const SHARED = ['common', 'config'];
const FEATURES = readdirSync(join(import.meta.dirname, 'src'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && !SHARED.includes(d.name))
  .map((d) => d.name);
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** no-restricted-imports for code in feature `own` (undefined: src/*.ts); `entityValues` lets entities be imported as values. */
function boundaries(own, { entityValues = false } = {}) {
  const others = FEATURES.filter((f) => f !== own);
  const into = (names) => `^(?:\\./|(?:\\.\\./)+)(?:${names.map(esc).join('|')})/`;
  const file = (roles) => `(?:[^/]+/)*[^/]+\\.(?:${roles.join('|')})(?:\\.js)?$`;
  const patterns = [
    { regex: into(others) + file(['repository']), message: "Another feature's repository is its internal (one owner per table): call that feature's service." },
    ...others.map((f) => ({
      regex: `${into([f])}(?!${file([...PUBLIC_ROLES, 'repository', 'entity'])})(?!(?:${(PUBLIC_FILES[f] ?? []).map(esc).join('|') || '$^'})(?:\\.js)?$)`,
      message: `Not part of src/${f}'s public surface (its ${PUBLIC_ROLES.map((r) => `*.${r}.ts`).join(', ')}${PUBLIC_FILES[f] ? `, ${PUBLIC_FILES[f].join(', ')}` : ''}; see eslint.config.js).`,
    })),
  ];
  if (!entityValues) {
    patterns.push({
      regex: into(others) + file(['entity']),
      allowTypeImports: true,
      message:
        "Another feature's entity is its internal (one owner per table): `import type` it for its shape, and read or write it through that feature's service.",
    });
  }
  return { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] };
}

const featureBoundaries = [
  { files: ['src/*.ts'], rules: boundaries(undefined) },
  ...FEATURES.map((f) => ({ files: [`src/${f}/**/*.ts`], rules: boundaries(f) })),
  // Documented exceptions, where an entity is needed as a value and no table is queried:
  // a foreign key names the entity it references, and the data source registers every entity.
  ...FEATURES.map((f) => ({ files: [`src/${f}/**/*.entity.ts`], rules: boundaries(f, { entityValues: true }) })),
  { files: ['src/database/entities.ts'], rules: boundaries('database', { entityValues: true }) },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'admin/dist/**',
      'admin/src/api/schema.d.ts',
      'client/dist/**',
      'client/src/generated/**',
      'coverage/**',
      '.data/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through src/config (validated once at startup).' },
      ],
    },
  },
  // Type-aware rules for the service and its tests: a promise nobody awaits loses its error, and a
  // switch on a union must say what happens to every member (tsconfig.json covers both folders).
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  ...featureBoundaries,
  {
    files: ['src/config/**', 'test/**', 'bench/**', 'scripts/**', 'jest.config.js', 'migrations/**', 'examples/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  // The client package stands alone: its wire types come from the OpenAPI document, never from the service's code.
  {
    files: ['client/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../../*', '../../../*'],
              message: 'client/ is its own package and imports nothing from outside it; its wire types are client/src/generated (npm run client:schema).',
            },
          ],
        },
      ],
    },
  },
  // The admin UI: browser code, React hooks rules (a hook's dependencies are part of its behaviour).
  {
    files: ['admin/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        localStorage: 'readonly',
        sessionStorage: 'readonly',
        HTMLElement: 'readonly',
      },
    },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
);
