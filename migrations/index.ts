import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122034308_foundation } from './Migration20261122034308_foundation.js';

/** Applied in order; each module's tables arrive in their own migration. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261122034308_foundation', class: Migration20261122034308_foundation },
];
