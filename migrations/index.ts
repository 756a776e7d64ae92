import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122034308_foundation } from './Migration20261122034308_foundation.js';
import { Migration20261122035544_catalogorder } from './Migration20261122035544_catalogorder.js';
import { Migration20261122035605_statusstream } from './Migration20261122035605_statusstream.js';
import { Migration20261122040105_store } from './Migration20261122040105_store.js';
import { Migration20261122040351_payment } from './Migration20261122040351_payment.js';
import { Migration20261122115653_orderprepay } from './Migration20261122115653_orderprepay.js';

/** Applied in order; each module's tables arrive in their own migration. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261122034308_foundation', class: Migration20261122034308_foundation },
  { name: 'Migration20261122035544_catalogorder', class: Migration20261122035544_catalogorder },
  { name: 'Migration20261122035605_statusstream', class: Migration20261122035605_statusstream },
  { name: 'Migration20261122040105_store', class: Migration20261122040105_store },
  { name: 'Migration20261122040351_payment', class: Migration20261122040351_payment },
  { name: 'Migration20261122115653_orderprepay', class: Migration20261122115653_orderprepay },
];
