import { ENV_SPECS } from '../src/config/config.schema.js';

/** Prints the README's configuration table from the schema: `npm run docs:config`. */
export function configTable(): string {
  const rows = ENV_SPECS.map(
    (s) => `| \`${s.name}\` | ${(s.docDefault ?? s.default) === undefined ? '—' : `\`${s.docDefault ?? s.default}\``} | ${s.description} |`,
  );
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}

if (process.argv[1]?.endsWith('config-table.js')) process.stdout.write(`${configTable()}\n`);
