import { readFileSync } from 'node:fs';
import { configTable } from '../../scripts/config-table.js';

describe('README', () => {
  const readme = readFileSync('README.md', 'utf8');

  it('opens with the two commands that run the service and the tests', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(firstBlock).toMatch(/^npm install && npm start/m);
    expect(firstBlock).toMatch(/^npm test/m);
  });

  it('documents every configuration variable exactly as the schema defines it', () => {
    const section = readme.slice(readme.indexOf('<!-- config:start -->') + '<!-- config:start -->'.length, readme.indexOf('<!-- config:end -->')).trim();
    expect(section).toBe(configTable()); // run `npm run docs:config` after changing the schema
  });
});
