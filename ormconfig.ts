/**
 * MikroORM configuration for tools (the app builds the same options in src/infra/db/orm.ts):
 * the modules' entities (from the composition root), the migration list and the database from DATABASE_URL.
 */
import { loadConfig } from './src/config/config.js';
import { moduleEntities } from './src/composition.js';
import { ormOptions } from './src/infra/db/orm.js';

const config = loadConfig();

export default ormOptions(config.database, { entities: moduleEntities() });
