import type { ModuleFactory } from '../module.js';
import { orderFactConsumer } from './analytics.consumer.js';
import { AnalyticsResolver } from './analytics.resolver.js';
import { AnalyticsService } from './analytics.service.js';

/** The analytics store fed by the order-status stream, and its admin report. */
export const analyticsModule: ModuleFactory = () => {
  const analytics = new AnalyticsService();
  return {
    name: 'analytics',
    services: { analytics },
    resolvers: [[AnalyticsResolver, new AnalyticsResolver(analytics)]],
    consumers: [orderFactConsumer(analytics)],
  };
};
