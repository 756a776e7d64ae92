import type { ModuleFactory } from '../module.js';
import { CatalogResolver } from './catalog.resolver.js';
import { CatalogService } from './catalog.service.js';

export const catalogModule: ModuleFactory = ({ config, logger }) => {
  const catalog = new CatalogService();
  return {
    name: 'catalog',
    services: { catalog },
    resolvers: [[CatalogResolver, new CatalogResolver(catalog)]],
    seed: async (em) => {
      if (!config.seedDemoData) return;
      const created = await catalog.seedDemo(em);
      if (created > 0) logger.info({ created }, 'demo products seeded');
    },
  };
};
