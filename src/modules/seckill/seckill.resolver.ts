import { Arg, Ctx, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { subscribeOn } from '../../graphql/subscribe-on.js';
import type { RequestContext } from '../../shared/context.js';
import { requireAdmin } from '../auth/auth.service.js';
import type { AttemptView, SeckillService } from './seckill.service.js';
import { SeckillActivityInput, SeckillActivityType, SeckillAttemptType } from './seckill.types.js';

@Resolver()
export class SeckillResolver {
  constructor(private readonly service: SeckillService) {}

  @Mutation(() => SeckillActivityType, { description: "Admin: creates a flash sale of one SKU; its stock is set aside from the SKU's available stock." })
  async createSeckillActivity(@Ctx() ctx: RequestContext, @Arg('input', () => SeckillActivityInput) input: SeckillActivityInput): Promise<SeckillActivityType> {
    return SeckillActivityType.from(await this.service.createActivity(ctx, input));
  }

  @Query(() => [SeckillActivityType], { description: 'Upcoming and running flash sales, soonest first.' })
  async seckillActivities(@Ctx() ctx: RequestContext): Promise<SeckillActivityType[]> {
    return (await this.service.listActivities(ctx)).map((view) => SeckillActivityType.from(view));
  }

  @Query(() => SeckillActivityType, { nullable: true, description: 'One flash sale; admins also get its numbers (stats).' })
  async seckillActivity(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string): Promise<SeckillActivityType | null> {
    const view = await this.service.getActivity(ctx, id);
    return view && SeckillActivityType.from(view);
  }

  @Mutation(() => SeckillAttemptType, { description: 'One flash-sale attempt, answered at once (Redis only). The same clientRequestId returns the same attempt.' })
  async seckill(@Ctx() ctx: RequestContext, @Arg('activityId', () => ID) activityId: string, @Arg('clientRequestId') clientRequestId: string): Promise<SeckillAttemptType> {
    return SeckillAttemptType.from(await this.service.seckill(ctx, activityId, clientRequestId));
  }

  @Query(() => SeckillAttemptType, { nullable: true, description: "One of the viewer's attempts; null for an unknown attempt or another user's." })
  async seckillResult(@Ctx() ctx: RequestContext, @Arg('attemptId', () => ID) attemptId: string): Promise<SeckillAttemptType | null> {
    const view = await this.service.result(ctx, attemptId);
    return view && SeckillAttemptType.from(view);
  }

  @Mutation(() => [String], { description: 'Admin: reconciles flash sales now (Redis vs MySQL; settles ended ones). Returns one JSON report per activity.' })
  async reconcileSeckill(@Ctx() ctx: RequestContext, @Arg('activityId', () => ID, { nullable: true }) activityId?: string | null): Promise<string[]> {
    requireAdmin(ctx);
    const reports = await this.service.reconcile(activityId ? { activityId: Number(activityId) } : {});
    return reports.map((r) => JSON.stringify(r));
  }

  /** Opens seckillResultChanged (ownership checked before any event flows). */
  watch(ctx: RequestContext, attemptId: string): Promise<AsyncIterable<AttemptView>> {
    return this.service.watch(ctx, attemptId);
  }

  @Subscription(() => SeckillAttemptType, {
    description: "The viewer's attempt (owner only): its current state, then each change, ending with its final status.",
    subscribe: subscribeOn(SeckillResolver, (resolver, ctx, args: { attemptId: string }) => resolver.watch(ctx, args.attemptId)),
  })
  seckillResultChanged(@Root() view: AttemptView, @Arg('attemptId', () => ID) _attemptId: string): SeckillAttemptType {
    return SeckillAttemptType.from(view);
  }
}
