/**
 * `npm run docs:errors`: writes the error catalogue read from src/ into docs/qa.md (between its
 * markers). `--check` only reports whether the doc is current (exit 1 when stale).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderErrorCatalog, scanErrorCatalog, withCatalog } from './error-catalog.js';

export const QA_GUIDE_FILE = 'docs/qa.md';

const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/dist\/?$/, '');
const docPath = `${root.replace(/\/$/, '')}/${QA_GUIDE_FILE}`;
const entries = scanErrorCatalog(root);
const current = readFileSync(docPath, 'utf8');
const next = withCatalog(current, renderErrorCatalog(entries));
if (process.argv.includes('--check')) {
  if (next !== current) {
    console.error(`${QA_GUIDE_FILE} is stale: run npm run docs:errors`);
    process.exit(1);
  }
  console.log(`${QA_GUIDE_FILE} lists all ${entries.length} codes/reasons`);
} else {
  if (next !== current) writeFileSync(docPath, next);
  console.log(`${next === current ? 'unchanged' : 'wrote'} ${QA_GUIDE_FILE}: ${entries.length} codes/reasons`);
}
