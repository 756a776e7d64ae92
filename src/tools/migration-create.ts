/**
 * Development helper: migrates a scratch database to the latest migration, diffs it against
 * the entities and writes the difference as the next migration in migrations/. Run with
 * `npm run migration:create -- <name>`; migrations/index.ts is written again to list it.
 *
 * MikroORM's own `migrator.create()` needs Node 22 (fs.globSync); this does the same diff
 * through the schema generator, which runs on Node 20.
 */
import { writeFileSync } from 'node:fs';
import { MikroORM } from '@mikro-orm/mysql';
import { moduleEntities } from '../composition.js';
import { ormOptions } from '../infra/db/orm.js';
import { writeMigrationsIndex } from './migration-list.js';

const scratchUrl = process.env.MIGRATION_SCRATCH_URL ?? 'mysql://root@127.0.0.1:3306/wxshop_migration_scratch';
const name = (process.argv[2] ?? 'change').replace(/[^A-Za-z0-9]/g, '');
const orm = await MikroORM.init(ormOptions({ url: scratchUrl }, { entities: moduleEntities() }));
try {
  await orm.schema.ensureDatabase({ create: true });
  await orm.migrator.up();
  const diff = await orm.schema.getUpdateSchemaMigrationSQL({ wrap: false, safe: false, dropTables: false });
  const statements = (sql: string) =>
    sql
      .split(/;\s*\n/)
      .map((s) => s.trim().replace(/;$/, ''))
      .filter((s) => s !== '' && !/^set names/i.test(s) && !/^set foreign_key_checks/i.test(s));
  const up = statements(diff.up);
  if (up.length === 0) {
    console.log('no changes');
  } else {
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const className = `Migration${stamp}_${name}`;
    const down = statements(diff.down);
    const body = (lines: string[]) => lines.map((l) => `    this.addSql(${JSON.stringify(l)});`).join('\n');
    writeFileSync(
      `migrations/${className}.ts`,
      `import { Migration } from '@mikro-orm/migrations';\n\nexport class ${className} extends Migration {\n  override async up(): Promise<void> {\n${body(up)}\n  }\n\n  override async down(): Promise<void> {\n${body(down)}\n  }\n}\n`,
    );
    writeMigrationsIndex('migrations');
    console.log(`created migrations/${className}.ts and listed it in migrations/index.ts`);
  }
} finally {
  await orm.schema.dropDatabase().catch(() => undefined);
  await orm.close();
}
