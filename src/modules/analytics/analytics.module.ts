import { defineModule } from '../module.js';
import { AnalyticsOrderFact } from './analytics-order-fact.entity.js';
import { orderFactConsumer } from './analytics.consumer.js';
import { AnalyticsResolver } from './analytics.resolver.js';
import { AnalyticsService } from './analytics.service.js';

/** The analytics store fed by the order-status stream, and its admin report. */
export const analyticsModule = defineModule({
  name: 'analytics',
  entities: [AnalyticsOrderFact],
  resolvers: [AnalyticsResolver],
  create: () => {
    const analytics = new AnalyticsService();
    return {
      services: { analytics },
      resolvers: [new AnalyticsResolver(analytics)],
      consumers: [orderFactConsumer(analytics)],
    };
  },
});
