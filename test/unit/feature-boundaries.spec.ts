import { join } from 'node:path';
import { Linter } from 'eslint';

const root = join(import.meta.dirname, '../..');
// The project's own lint configuration (plain JS, so loaded by path), proving the rule `npm run lint` applies.
const configFile = join(root, 'eslint.config.js');
const config = ((await import(configFile)) as { default: Linter.Config[] }).default;
// Type-aware rules need the TypeScript program; the boundary rule does not, so they are left out here.
const withoutTypes = {
  languageOptions: { parserOptions: { projectService: false } },
  rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/switch-exhaustiveness-check': 'off' },
} as const;
const linter = new Linter({ cwd: root, configType: 'flat' });

/** The boundary messages ESLint reports for `code` placed at `file` (a path under src/ that need not exist). */
function boundaryErrors(file: string, code: string): string[] {
  return linter
    .verify(code, [...config, withoutTypes], { filename: join(root, file) })
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports' || m.fatal)
    .map((m) => m.message);
}

describe('feature boundaries (eslint.config.js)', () => {
  it("refuses another feature's repository, by value or by type", () => {
    expect(
      boundaryErrors(
        'src/tokens/probe.ts',
        "import { ConnectionLeaseRepository } from '../connections/connection-lease.repository.js';\nexport const x = ConnectionLeaseRepository;\n",
      ),
    ).toEqual([expect.stringMatching(/connection-lease\.repository\.js.*Another feature's repository is its internal/)]);
    expect(
      boundaryErrors('src/admin/probe.ts', "import type { AuditRow } from '../internal/token-access-audit.repository.js';\nexport type X = AuditRow;\n"),
    ).toHaveLength(1);
    // From a nested folder and from the composition root too.
    expect(
      boundaryErrors('src/providers/adapters/probe.ts', "export { ConnectionRepository } from '../../connections/connection.repository.js';\n"),
    ).toHaveLength(1);
    expect(
      boundaryErrors('src/probe.ts', "import { RateLimitRepository } from './rate-limit/rate-limit.repository.js';\nexport const x = RateLimitRepository;\n"),
    ).toHaveLength(1);
  });

  it("refuses another feature's entity as a value (it could query the table) but allows its type", () => {
    expect(
      boundaryErrors('src/scheduler/probe.ts', "import { Connection } from '../connections/connection.entity.js';\nexport const x = Connection;\n"),
    ).toEqual([expect.stringMatching(/Another feature's entity is its internal/)]);
    expect(
      boundaryErrors('src/scheduler/probe.ts', "import type { Connection } from '../connections/connection.entity.js';\nexport type X = Connection;\n"),
    ).toEqual([]);
  });

  it("refuses files outside another feature's public surface", () => {
    expect(boundaryErrors('src/admin/probe.ts', "import { RefreshPolicy } from '../tokens/refresh-policy.js';\nexport const x = RefreshPolicy;\n")).toEqual([
      expect.stringMatching(/Not part of src\/tokens's public surface/),
    ]);
    expect(
      boundaryErrors(
        'src/admin/probe.ts',
        "import { ConnectionsController } from '../connections/connections.controller.js';\nexport const x = ConnectionsController;\n",
      ),
    ).toHaveLength(1);
  });

  it('allows the public surface, shared folders and the own feature', () => {
    const code = [
      "import { ConnectionStoreService } from '../connections/connection-store.service.js';",
      "import { ConnectionsModule } from '../connections/connections.module.js';",
      "import { ConnectionsException } from '../connections/connections.exception.js';",
      "import type { ConnectionStatusDto } from '../connections/connections.dto.js';",
      "import type { ProviderConfig } from '../providers/provider.types.js';",
      "import { Secret } from '../crypto/secret.js';",
      "import { sleep } from '../common/sleep.js';",
      "import { loadConfig } from '../config/load-config.js';",
      "import { RefreshHistoryRepository } from './refresh-history.repository.js';",
      "import { RefreshLog } from './refresh-log.entity.js';",
      'export const all = [ConnectionStoreService, ConnectionsModule, ConnectionsException, Secret, sleep, loadConfig, RefreshHistoryRepository, RefreshLog];',
      'export type T = ConnectionStatusDto | ProviderConfig;',
      '',
    ].join('\n');
    expect(boundaryErrors('src/tokens/probe.ts', code)).toEqual([]);
  });

  it('lets an entity name another feature’s entity in a foreign key, and the data source register them all', () => {
    const fk = "import { Connection } from '../connections/connection.entity.js';\nexport const target = () => Connection;\n";
    expect(boundaryErrors('src/tokens/probe.entity.ts', fk)).toEqual([]);
    expect(boundaryErrors('src/database/entities.ts', fk)).toEqual([]);
    expect(boundaryErrors('src/database/probe.ts', fk)).toHaveLength(1);
    // The exception is for entities only: an entity file still may not use another feature's repository.
    expect(boundaryErrors('src/tokens/probe.entity.ts', "export { ConnectionRepository } from '../connections/connection.repository.js';\n")).toHaveLength(1);
  });
});
