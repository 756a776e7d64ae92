import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { RefundRow } from './refund.entity.js';

export enum RefundStatusGql {
  PROCESSING = 'PROCESSING',
  SUCCESS = 'SUCCESS',
  FAILED = 'FAILED',
}
registerEnumType(RefundStatusGql, { name: 'RefundStatus', description: 'PROCESSING until WeChat Pay reports the money returned (SUCCESS) or gives up (FAILED).' });

@ObjectType('Refund')
export class RefundType {
  @Field() refundNo!: string;
  @Field(() => RefundStatusGql) status!: RefundStatusGql;
  @Field(() => Int) amountFen!: number;
  @Field() orderNo!: string;
  @Field() createdAt!: Date;

  static from(row: RefundRow): RefundType {
    return Object.assign(new RefundType(), {
      refundNo: row.refundNo,
      status: row.status as RefundStatusGql,
      amountFen: row.amountFen,
      orderNo: row.orderNo,
      createdAt: row.createdAt,
    });
  }
}
