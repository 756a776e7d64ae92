import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ActivityStats, ActivityView, AttemptView } from './seckill.service.js';

export enum SeckillAttemptStatusGql {
  QUEUED = 'QUEUED',
  ORDERED = 'ORDERED',
  SOLD_OUT = 'SOLD_OUT',
  REJECTED = 'REJECTED',
}
registerEnumType(SeckillAttemptStatusGql, { name: 'SeckillAttemptStatus' });

export enum SeckillActivityStateGql {
  UPCOMING = 'UPCOMING',
  RUNNING = 'RUNNING',
  ENDED = 'ENDED',
}
registerEnumType(SeckillActivityStateGql, { name: 'SeckillActivityState' });

@ObjectType('SeckillAttempt', { description: 'One flash-sale attempt. The same clientRequestId returns the same attempt.' })
export class SeckillAttemptType {
  @Field(() => ID) id!: string;
  @Field(() => ID) activityId!: string;
  @Field(() => SeckillAttemptStatusGql, { description: 'QUEUED: admitted, the order follows; ORDERED: orderNo is an ordinary order to pay; SOLD_OUT, REJECTED: final.' })
  status!: SeckillAttemptStatusGql;
  @Field(() => String, { nullable: true, description: 'Set when ORDERED: an ordinary order (payOrder, payment timeout, refunds, status pushes apply).' })
  orderNo!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Why not: NOT_STARTED and RATE_LIMITED (not recorded: the same clientRequestId may be sent again), ENDED, LIMIT_REACHED, SOLD_OUT.',
  })
  reason!: string | null;

  static from(view: AttemptView): SeckillAttemptType {
    return Object.assign(new SeckillAttemptType(), {
      id: view.id,
      activityId: String(view.activityId),
      status: view.status as SeckillAttemptStatusGql,
      orderNo: view.orderNo,
      reason: view.reason,
    });
  }
}

@ObjectType('SeckillActivityStats', { description: 'Admin: Redis (admission) and MySQL (orders) numbers of a flash sale.' })
export class SeckillActivityStatsType {
  @Field(() => Int, { description: 'Orders holding a unit (created, not cancelled).' }) sold!: number;
  @Field(() => Int, { description: 'Admitted, order not created yet.' }) pending!: number;
  @Field(() => Int, { description: 'Units given back by cancelled or timed-out orders.' }) returned!: number;
  @Field(() => Int, { description: 'Admitted attempts MySQL refused (Redis disagreed with MySQL).' }) failed!: number;
  @Field(() => Int, { description: 'MySQL units not yet turned into orders.' }) available!: number;
  @Field(() => Int, { nullable: true, description: 'Attempts Redis admitted.' }) admitted!: number | null;
  @Field(() => Int, { nullable: true, description: 'Units Redis may still admit; null when Redis is unreachable.' }) redisStock!: number | null;
  @Field(() => Int, { nullable: true, description: 'Returned units Redis has taken back.' }) redisReturned!: number | null;
  @Field(() => Int, { nullable: true, description: "What redisStock should be from MySQL's numbers." }) expectedRedisStock!: number | null;
  @Field(() => Boolean, { nullable: true, description: 'Redis agrees with MySQL (null: Redis unreachable).' }) consistent!: boolean | null;
  @Field({ description: 'Reconciled after the end: leftover units went back to the SKU.' }) settled!: boolean;
  @Field(() => Int) releasedToSku!: number;
  @Field(() => Date, { nullable: true }) reconciledAt!: Date | null;

  static from(stats: ActivityStats): SeckillActivityStatsType {
    return Object.assign(new SeckillActivityStatsType(), stats);
  }
}

@ObjectType('SeckillActivity')
export class SeckillActivityType {
  @Field(() => ID) id!: string;
  @Field(() => ID) skuId!: string;
  @Field(() => ID) storeId!: string;
  @Field(() => Int) stock!: number;
  @Field(() => Int, { description: 'The flash-sale price, in fen.' }) priceFen!: number;
  @Field() startsAt!: Date;
  @Field() endsAt!: Date;
  @Field(() => Int) limitPerUser!: number;
  @Field(() => SeckillActivityStateGql) state!: SeckillActivityStateGql;
  @Field(() => SeckillActivityStatsType, { nullable: true, description: 'Admins only (null for others).' }) stats!: SeckillActivityStatsType | null;

  static from({ activity, stats }: ActivityView, now = new Date()): SeckillActivityType {
    const state = now < activity.startsAt ? SeckillActivityStateGql.UPCOMING : now < activity.endsAt ? SeckillActivityStateGql.RUNNING : SeckillActivityStateGql.ENDED;
    return Object.assign(new SeckillActivityType(), {
      id: String(activity.id),
      skuId: String(activity.skuId),
      storeId: String(activity.storeId),
      stock: activity.stock,
      priceFen: activity.priceFen,
      startsAt: activity.startsAt,
      endsAt: activity.endsAt,
      limitPerUser: activity.limitPerUser,
      state,
      stats: stats ? SeckillActivityStatsType.from(stats) : null,
    });
  }
}

@InputType('SeckillActivityInput')
export class SeckillActivityInput {
  @Field(() => ID) skuId!: string;
  @Field(() => Int, { description: "Units for sale: moved from the SKU's available stock when the activity is created." }) stock!: number;
  @Field(() => Int, { description: 'The flash-sale price, in fen.' }) priceFen!: number;
  @Field() startsAt!: Date;
  @Field() endsAt!: Date;
  @Field(() => Int, { nullable: true, defaultValue: 1, description: 'Admitted attempts per user (1..100).' }) limitPerUser?: number | null;
}
