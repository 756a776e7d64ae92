/**
 * `npm run migrations:index`: writes migrations/index.ts (the list the migrator runs) from the
 * migration files in migrations/, so the list is never kept by hand.
 */
import { fileURLToPath } from 'node:url';
import { writeMigrationsIndex } from './migration-list.js';

const dir = fileURLToPath(new URL('../../migrations', import.meta.url));
console.log(`${writeMigrationsIndex(dir) ? 'wrote' : 'unchanged'} migrations/index.ts`);
