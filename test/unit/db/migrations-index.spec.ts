import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrationNames, renderMigrationsIndex, writeMigrationsIndex } from '../../../src/tools/migration-list.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations', import.meta.url));

test('migrations/index.ts is what npm run migrations:index writes from the migration files', () => {
  expect(readFileSync(path.join(MIGRATIONS_DIR, 'index.ts'), 'utf8')).toBe(renderMigrationsIndex(migrationNames(MIGRATIONS_DIR)));
});

test('the index lists migration files only, oldest first', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'migrations-'));
  try {
    for (const file of ['Migration20270101000000_later.ts', 'Migration20260101000000_first.ts', 'helper.ts', 'Migration20260101000000_first.d.ts', 'README.md']) writeFileSync(path.join(dir, file), '');
    expect(writeMigrationsIndex(dir)).toBe(true);
    expect(writeMigrationsIndex(dir)).toBe(false);
    const index = readFileSync(path.join(dir, 'index.ts'), 'utf8');
    expect(index.match(/^import \{ \w+ \}.*$/gm)).toEqual([
      "import { Migration20260101000000_first } from './Migration20260101000000_first.js';",
      "import { Migration20270101000000_later } from './Migration20270101000000_later.js';",
    ]);
    expect(index.match(/^ {2}\{ name: .*$/gm)).toEqual([
      "  { name: 'Migration20260101000000_first', class: Migration20260101000000_first },",
      "  { name: 'Migration20270101000000_later', class: Migration20270101000000_later },",
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
