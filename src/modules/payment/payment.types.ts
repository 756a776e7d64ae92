import { Field, ObjectType } from 'type-graphql';
import type { RequestPaymentParams } from '../../infra/wechat/pay/wechat-pay.port.js';

/** The parameters the mini-program passes to `wx.requestPayment` (signed by the BFF; signType RSA). */
@ObjectType('PaymentParams')
export class PaymentParamsType {
  @Field() appId!: string;
  @Field() timeStamp!: string;
  @Field() nonceStr!: string;
  @Field({ description: '`prepay_id=...`' }) package!: string;
  @Field() signType!: string;
  @Field() paySign!: string;

  static from(params: RequestPaymentParams): PaymentParamsType {
    return Object.assign(new PaymentParamsType(), {
      appId: params.appId,
      timeStamp: params.timeStamp,
      nonceStr: params.nonceStr,
      package: params.package,
      signType: params.signType,
      paySign: params.paySign,
    });
  }
}
