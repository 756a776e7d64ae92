import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../shared/context.js';
import { AnalyticsService } from './analytics.service.js';
import { SalesSummaryType } from './analytics.types.js';

@Resolver()
export class AnalyticsResolver {
  constructor(private readonly analytics: AnalyticsService) {}

  @Query(() => SalesSummaryType, { description: 'Admin: order figures for transitions in [from, to).' })
  async salesSummary(@Ctx() ctx: RequestContext, @Arg('from') from: Date, @Arg('to') to: Date): Promise<SalesSummaryType> {
    return SalesSummaryType.from(await this.analytics.salesSummary(ctx, from, to));
  }
}
