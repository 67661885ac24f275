import { readFileSync, writeFileSync } from 'node:fs';
import { configTable } from './config-table.js';

/** Rewrites the configuration table between the README's config markers. */
const START = '<!-- config:start -->';
const END = '<!-- config:end -->';
const readme = readFileSync('README.md', 'utf8');
const before = readme.slice(0, readme.indexOf(START) + START.length);
const after = readme.slice(readme.indexOf(END));
writeFileSync('README.md', `${before}\n${configTable()}\n${after}`);
