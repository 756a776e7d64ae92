import { defineModule } from '../module.js';
import { Product, Sku } from './catalog.entity.js';
import { CatalogResolver } from './catalog.resolver.js';
import { CatalogService } from './catalog.service.js';

export const catalogModule = defineModule({
  name: 'catalog',
  entities: [Product, Sku],
  resolvers: [CatalogResolver],
  create: ({ config, logger }) => {
    const catalog = new CatalogService();
    return {
      services: { catalog },
      resolvers: [new CatalogResolver(catalog)],
      seed: async (em) => {
        if (!config.seedDemoData) return;
        const created = await catalog.seedDemo(em);
        if (created > 0) logger.info({ created }, 'demo products seeded');
      },
    };
  },
});
