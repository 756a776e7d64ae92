/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type CouponStatus =
  | 'AVAILABLE'
  | 'EXPIRED'
  | 'USED';

export type GeoPointInput = {
  latitude: number;
  longitude: number;
};

export type OrderStatus =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'PAID'
  | 'PENDING_PAYMENT'
  | 'REFUNDED'
  | 'REFUNDING'
  | 'SHIPPED';

/** No prices: the server prices every line. */
export type PlaceOrderInput = {
  /** 8..64 characters [A-Za-z0-9_-], generated once per checkout: a resubmit returns the same order. */
  clientRequestId: string;
  /** A UserCoupon id from myCoupons. */
  couponId?: string | number | null | undefined;
  /** 1..20 distinct SKUs. */
  items: Array<PlaceOrderItemInput>;
  /** At most 200 characters. */
  remark?: string | null | undefined;
  storeId: string | number;
};

export type PlaceOrderItemInput = {
  /** 1..99 */
  quantity: number;
  skuId: string | number;
};

/** PROCESSING until WeChat Pay reports the money returned (SUCCESS) or gives up (FAILED). */
export type RefundStatus =
  | 'FAILED'
  | 'PROCESSING'
  | 'SUCCESS';

export type Role =
  | 'ADMIN'
  | 'CUSTOMER';

export type SeckillActivityInput = {
  endsAt: string;
  /** Admitted attempts per user (1..100). */
  limitPerUser?: number | null | undefined;
  /** The flash-sale price, in fen. */
  priceFen: number;
  skuId: string | number;
  startsAt: string;
  /** Units for sale: moved from the SKU's available stock when the activity is created. */
  stock: number;
};

export type SeckillActivityState =
  | 'ENDED'
  | 'RUNNING'
  | 'UPCOMING';

export type SeckillAttemptStatus =
  | 'ORDERED'
  | 'QUEUED'
  | 'REJECTED'
  | 'SOLD_OUT';

export type StoreFilter = {
  /** Exact city name, e.g. "Shanghai". */
  city?: string | null | undefined;
  /** Order by distance from this point (nearest first). */
  near?: GeoPointInput | null | undefined;
  /** Only stores OPEN and within their hours now (Asia/Shanghai). */
  openNow?: boolean | null | undefined;
};

/** createStore needs every field but status (default OPEN); updateStore changes only the fields given. */
export type StoreInput = {
  address?: string | null | undefined;
  city?: string | null | undefined;
  /** "HH:mm" or "24:00", Asia/Shanghai. */
  closeTime?: string | null | undefined;
  latitude?: number | null | undefined;
  longitude?: number | null | undefined;
  name?: string | null | undefined;
  /** "HH:mm", Asia/Shanghai. */
  openTime?: string | null | undefined;
  phone?: string | null | undefined;
  status?: StoreStatus | null | undefined;
};

/** CLOSED: closed by the admin (permanently or for now), whatever the hours say. */
export type StoreStatus =
  | 'CLOSED'
  | 'OPEN';

export type AdminLoginMutationVariables = Exact<{
  username: string;
  password: string;
}>;


export type AdminLoginMutation = { adminLogin: { token: string, expiresAt: string, role: Role } };

export type CancelOrderMutationVariables = Exact<{
  orderNo: string;
}>;


export type CancelOrderMutation = { cancelOrder: { orderNo: string, status: OrderStatus, totalFen: number, discountFen: number, payableFen: number, couponId: string | null, remark: string | null, createdAt: string, paidAt: string | null, expiresAt: string, cancelledAt: string | null, cancelReason: string | null, items: Array<{ skuId: string, productName: string, skuName: string, unitPriceFen: number, quantity: number, subtotalFen: number }> } };

export type ConfirmReceiptMutationVariables = Exact<{
  orderNo: string;
}>;


export type ConfirmReceiptMutation = { confirmReceipt: { orderNo: string, status: OrderStatus } };

export type CreateSeckillActivityMutationVariables = Exact<{
  input: SeckillActivityInput;
}>;


export type CreateSeckillActivityMutation = { createSeckillActivity: { id: string, skuId: string, storeId: string, stock: number, priceFen: number, startsAt: string, endsAt: string, limitPerUser: number, state: SeckillActivityState } };

export type CreateStoreMutationVariables = Exact<{
  input: StoreInput;
}>;


export type CreateStoreMutation = { createStore: { id: string, name: string, city: string, address: string, latitude: number, longitude: number, phone: string, openTime: string, closeTime: string, status: StoreStatus, version: number } };

export type OrderFieldsFragment = { orderNo: string, status: OrderStatus, totalFen: number, discountFen: number, payableFen: number, couponId: string | null, remark: string | null, createdAt: string, paidAt: string | null, expiresAt: string, cancelledAt: string | null, cancelReason: string | null, items: Array<{ skuId: string, productName: string, skuName: string, unitPriceFen: number, quantity: number, subtotalFen: number }> };

export type SeckillActivityFieldsFragment = { id: string, skuId: string, storeId: string, stock: number, priceFen: number, startsAt: string, endsAt: string, limitPerUser: number, state: SeckillActivityState };

export type SeckillAttemptFieldsFragment = { id: string, activityId: string, status: SeckillAttemptStatus, orderNo: string | null, reason: string | null };

export type StoreFieldsFragment = { id: string, name: string, city: string, address: string, latitude: number, longitude: number, phone: string, openTime: string, closeTime: string, status: StoreStatus, version: number };

export type LoginMutationVariables = Exact<{
  code: string;
}>;


export type LoginMutation = { login: { token: string, expiresAt: string, firstLogin: boolean, role: Role, user: { id: string, nickname: string | null, points: number, createdAt: string } | null } };

export type LogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutMutation = { logout: boolean };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, nickname: string | null, points: number, createdAt: string } };

export type MyCouponsQueryVariables = Exact<{
  status?: CouponStatus | null | undefined;
}>;


export type MyCouponsQuery = { myCoupons: Array<{ id: string, code: string, name: string, discountFen: number, thresholdFen: number, status: CouponStatus, source: string, validUntil: string }> };

export type OrderStatusChangedSubscriptionVariables = Exact<{
  orderNo: string;
}>;


export type OrderStatusChangedSubscription = { orderStatusChanged: { orderNo: string, status: OrderStatus, event: string, previousStatus: OrderStatus | null, seq: number, at: string, reason: string | null } };

export type OrderQueryVariables = Exact<{
  orderNo: string;
}>;


export type OrderQuery = { order: { orderNo: string, status: OrderStatus, totalFen: number, discountFen: number, payableFen: number, couponId: string | null, remark: string | null, createdAt: string, paidAt: string | null, expiresAt: string, cancelledAt: string | null, cancelReason: string | null, items: Array<{ skuId: string, productName: string, skuName: string, unitPriceFen: number, quantity: number, subtotalFen: number }> } | null };

export type OrdersQueryVariables = Exact<{
  status?: OrderStatus | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type OrdersQuery = { orders: { edges: Array<{ cursor: string, node: { orderNo: string, status: OrderStatus, totalFen: number, payableFen: number, createdAt: string, items: Array<{ skuId: string, quantity: number }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type PayOrderMutationVariables = Exact<{
  orderNo: string;
}>;


export type PayOrderMutation = { payOrder: { appId: string, timeStamp: string, nonceStr: string, package: string, signType: string, paySign: string } };

export type PlaceOrderMutationVariables = Exact<{
  input: PlaceOrderInput;
}>;


export type PlaceOrderMutation = { placeOrder: { orderNo: string, status: OrderStatus, totalFen: number, discountFen: number, payableFen: number, couponId: string | null, remark: string | null, createdAt: string, paidAt: string | null, expiresAt: string, cancelledAt: string | null, cancelReason: string | null, items: Array<{ skuId: string, productName: string, skuName: string, unitPriceFen: number, quantity: number, subtotalFen: number }> } };

export type ProductsQueryVariables = Exact<{
  storeId?: string | number | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ProductsQuery = { products: { edges: Array<{ cursor: string, node: { id: string, name: string, skus: Array<{ id: string, name: string, priceFen: number, stock: number }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ReconcileSeckillMutationVariables = Exact<{
  activityId?: string | number | null | undefined;
}>;


export type ReconcileSeckillMutation = { reconcileSeckill: Array<string> };

export type RequestRefundMutationVariables = Exact<{
  orderNo: string;
  reason: string;
}>;


export type RequestRefundMutation = { requestRefund: { refundNo: string, status: RefundStatus, amountFen: number } };

export type SalesSummaryQueryVariables = Exact<{
  from: string;
  to: string;
}>;


export type SalesSummaryQuery = { salesSummary: { from: string, to: string, ordersCreated: number, ordersPaid: number, ordersCancelled: number, ordersRefunded: number, gmvFen: number, refundedFen: number } };

export type SeckillActivitiesQueryVariables = Exact<{ [key: string]: never; }>;


export type SeckillActivitiesQuery = { seckillActivities: Array<{ id: string, skuId: string, storeId: string, stock: number, priceFen: number, startsAt: string, endsAt: string, limitPerUser: number, state: SeckillActivityState }> };

export type SeckillActivityQueryVariables = Exact<{
  id: string | number;
}>;


export type SeckillActivityQuery = { seckillActivity: { id: string, skuId: string, storeId: string, stock: number, priceFen: number, startsAt: string, endsAt: string, limitPerUser: number, state: SeckillActivityState, stats: { sold: number, pending: number, returned: number, failed: number, available: number, admitted: number | null, redisStock: number | null, redisReturned: number | null, expectedRedisStock: number | null, consistent: boolean | null, settled: boolean, releasedToSku: number, reconciledAt: string | null } | null } | null };

export type SeckillResultChangedSubscriptionVariables = Exact<{
  attemptId: string | number;
}>;


export type SeckillResultChangedSubscription = { seckillResultChanged: { id: string, activityId: string, status: SeckillAttemptStatus, orderNo: string | null, reason: string | null } };

export type SeckillResultQueryVariables = Exact<{
  attemptId: string | number;
}>;


export type SeckillResultQuery = { seckillResult: { id: string, activityId: string, status: SeckillAttemptStatus, orderNo: string | null, reason: string | null } | null };

export type SeckillMutationVariables = Exact<{
  activityId: string | number;
  clientRequestId: string;
}>;


export type SeckillMutation = { seckill: { id: string, activityId: string, status: SeckillAttemptStatus, orderNo: string | null, reason: string | null } };

export type SimulatePaymentMutationVariables = Exact<{
  orderNo: string;
}>;


export type SimulatePaymentMutation = { simulatePayment: boolean };

export type StoreQueryVariables = Exact<{
  id: string | number;
}>;


export type StoreQuery = { store: { openNow: boolean, updatedAt: string, id: string, name: string, city: string, address: string, latitude: number, longitude: number, phone: string, openTime: string, closeTime: string, status: StoreStatus, version: number } | null };

export type StoresQueryVariables = Exact<{
  filter?: StoreFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type StoresQuery = { stores: { edges: Array<{ cursor: string, distanceMeters: number | null, node: { openNow: boolean, id: string, name: string, city: string, address: string, latitude: number, longitude: number, phone: string, openTime: string, closeTime: string, status: StoreStatus, version: number } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type UpdateStoreMutationVariables = Exact<{
  id: string | number;
  input: StoreInput;
}>;


export type UpdateStoreMutation = { updateStore: { id: string, name: string, city: string, address: string, latitude: number, longitude: number, phone: string, openTime: string, closeTime: string, status: StoreStatus, version: number } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const OrderFieldsFragmentDoc = new TypedDocumentString(`
    fragment OrderFields on Order {
  orderNo
  status
  totalFen
  discountFen
  payableFen
  couponId
  remark
  items {
    skuId
    productName
    skuName
    unitPriceFen
    quantity
    subtotalFen
  }
  createdAt
  paidAt
  expiresAt
  cancelledAt
  cancelReason
}
    `, {"fragmentName":"OrderFields"}) as unknown as TypedDocumentString<OrderFieldsFragment, unknown>;
export const SeckillActivityFieldsFragmentDoc = new TypedDocumentString(`
    fragment SeckillActivityFields on SeckillActivity {
  id
  skuId
  storeId
  stock
  priceFen
  startsAt
  endsAt
  limitPerUser
  state
}
    `, {"fragmentName":"SeckillActivityFields"}) as unknown as TypedDocumentString<SeckillActivityFieldsFragment, unknown>;
export const SeckillAttemptFieldsFragmentDoc = new TypedDocumentString(`
    fragment SeckillAttemptFields on SeckillAttempt {
  id
  activityId
  status
  orderNo
  reason
}
    `, {"fragmentName":"SeckillAttemptFields"}) as unknown as TypedDocumentString<SeckillAttemptFieldsFragment, unknown>;
export const StoreFieldsFragmentDoc = new TypedDocumentString(`
    fragment StoreFields on Store {
  id
  name
  city
  address
  latitude
  longitude
  phone
  openTime
  closeTime
  status
  version
}
    `, {"fragmentName":"StoreFields"}) as unknown as TypedDocumentString<StoreFieldsFragment, unknown>;
export const AdminLoginDocument = new TypedDocumentString(`
    mutation AdminLogin($username: String!, $password: String!) {
  adminLogin(username: $username, password: $password) {
    token
    expiresAt
    role
  }
}
    `) as unknown as TypedDocumentString<AdminLoginMutation, AdminLoginMutationVariables>;
export const CancelOrderDocument = new TypedDocumentString(`
    mutation CancelOrder($orderNo: String!) {
  cancelOrder(orderNo: $orderNo) {
    ...OrderFields
  }
}
    fragment OrderFields on Order {
  orderNo
  status
  totalFen
  discountFen
  payableFen
  couponId
  remark
  items {
    skuId
    productName
    skuName
    unitPriceFen
    quantity
    subtotalFen
  }
  createdAt
  paidAt
  expiresAt
  cancelledAt
  cancelReason
}`) as unknown as TypedDocumentString<CancelOrderMutation, CancelOrderMutationVariables>;
export const ConfirmReceiptDocument = new TypedDocumentString(`
    mutation ConfirmReceipt($orderNo: String!) {
  confirmReceipt(orderNo: $orderNo) {
    orderNo
    status
  }
}
    `) as unknown as TypedDocumentString<ConfirmReceiptMutation, ConfirmReceiptMutationVariables>;
export const CreateSeckillActivityDocument = new TypedDocumentString(`
    mutation CreateSeckillActivity($input: SeckillActivityInput!) {
  createSeckillActivity(input: $input) {
    ...SeckillActivityFields
  }
}
    fragment SeckillActivityFields on SeckillActivity {
  id
  skuId
  storeId
  stock
  priceFen
  startsAt
  endsAt
  limitPerUser
  state
}`) as unknown as TypedDocumentString<CreateSeckillActivityMutation, CreateSeckillActivityMutationVariables>;
export const CreateStoreDocument = new TypedDocumentString(`
    mutation CreateStore($input: StoreInput!) {
  createStore(input: $input) {
    ...StoreFields
  }
}
    fragment StoreFields on Store {
  id
  name
  city
  address
  latitude
  longitude
  phone
  openTime
  closeTime
  status
  version
}`) as unknown as TypedDocumentString<CreateStoreMutation, CreateStoreMutationVariables>;
export const LoginDocument = new TypedDocumentString(`
    mutation Login($code: String!) {
  login(code: $code) {
    token
    expiresAt
    firstLogin
    role
    user {
      id
      nickname
      points
      createdAt
    }
  }
}
    `) as unknown as TypedDocumentString<LoginMutation, LoginMutationVariables>;
export const LogoutDocument = new TypedDocumentString(`
    mutation Logout {
  logout
}
    `) as unknown as TypedDocumentString<LogoutMutation, LogoutMutationVariables>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    id
    nickname
    points
    createdAt
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const MyCouponsDocument = new TypedDocumentString(`
    query MyCoupons($status: CouponStatus) {
  myCoupons(status: $status) {
    id
    code
    name
    discountFen
    thresholdFen
    status
    source
    validUntil
  }
}
    `) as unknown as TypedDocumentString<MyCouponsQuery, MyCouponsQueryVariables>;
export const OrderStatusChangedDocument = new TypedDocumentString(`
    subscription OrderStatusChanged($orderNo: String!) {
  orderStatusChanged(orderNo: $orderNo) {
    orderNo
    status
    event
    previousStatus
    seq
    at
    reason
  }
}
    `) as unknown as TypedDocumentString<OrderStatusChangedSubscription, OrderStatusChangedSubscriptionVariables>;
export const OrderDocument = new TypedDocumentString(`
    query Order($orderNo: String!) {
  order(orderNo: $orderNo) {
    ...OrderFields
  }
}
    fragment OrderFields on Order {
  orderNo
  status
  totalFen
  discountFen
  payableFen
  couponId
  remark
  items {
    skuId
    productName
    skuName
    unitPriceFen
    quantity
    subtotalFen
  }
  createdAt
  paidAt
  expiresAt
  cancelledAt
  cancelReason
}`) as unknown as TypedDocumentString<OrderQuery, OrderQueryVariables>;
export const OrdersDocument = new TypedDocumentString(`
    query Orders($status: OrderStatus, $first: Int, $after: String) {
  orders(status: $status, first: $first, after: $after) {
    edges {
      cursor
      node {
        orderNo
        status
        totalFen
        payableFen
        items {
          skuId
          quantity
        }
        createdAt
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<OrdersQuery, OrdersQueryVariables>;
export const PayOrderDocument = new TypedDocumentString(`
    mutation PayOrder($orderNo: String!) {
  payOrder(orderNo: $orderNo) {
    appId
    timeStamp
    nonceStr
    package
    signType
    paySign
  }
}
    `) as unknown as TypedDocumentString<PayOrderMutation, PayOrderMutationVariables>;
export const PlaceOrderDocument = new TypedDocumentString(`
    mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    ...OrderFields
  }
}
    fragment OrderFields on Order {
  orderNo
  status
  totalFen
  discountFen
  payableFen
  couponId
  remark
  items {
    skuId
    productName
    skuName
    unitPriceFen
    quantity
    subtotalFen
  }
  createdAt
  paidAt
  expiresAt
  cancelledAt
  cancelReason
}`) as unknown as TypedDocumentString<PlaceOrderMutation, PlaceOrderMutationVariables>;
export const ProductsDocument = new TypedDocumentString(`
    query Products($storeId: ID, $first: Int, $after: String) {
  products(storeId: $storeId, first: $first, after: $after) {
    edges {
      cursor
      node {
        id
        name
        skus {
          id
          name
          priceFen
          stock
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<ProductsQuery, ProductsQueryVariables>;
export const ReconcileSeckillDocument = new TypedDocumentString(`
    mutation ReconcileSeckill($activityId: ID) {
  reconcileSeckill(activityId: $activityId)
}
    `) as unknown as TypedDocumentString<ReconcileSeckillMutation, ReconcileSeckillMutationVariables>;
export const RequestRefundDocument = new TypedDocumentString(`
    mutation RequestRefund($orderNo: String!, $reason: String!) {
  requestRefund(orderNo: $orderNo, reason: $reason) {
    refundNo
    status
    amountFen
  }
}
    `) as unknown as TypedDocumentString<RequestRefundMutation, RequestRefundMutationVariables>;
export const SalesSummaryDocument = new TypedDocumentString(`
    query SalesSummary($from: DateTime!, $to: DateTime!) {
  salesSummary(from: $from, to: $to) {
    from
    to
    ordersCreated
    ordersPaid
    ordersCancelled
    ordersRefunded
    gmvFen
    refundedFen
  }
}
    `) as unknown as TypedDocumentString<SalesSummaryQuery, SalesSummaryQueryVariables>;
export const SeckillActivitiesDocument = new TypedDocumentString(`
    query SeckillActivities {
  seckillActivities {
    ...SeckillActivityFields
  }
}
    fragment SeckillActivityFields on SeckillActivity {
  id
  skuId
  storeId
  stock
  priceFen
  startsAt
  endsAt
  limitPerUser
  state
}`) as unknown as TypedDocumentString<SeckillActivitiesQuery, SeckillActivitiesQueryVariables>;
export const SeckillActivityDocument = new TypedDocumentString(`
    query SeckillActivity($id: ID!) {
  seckillActivity(id: $id) {
    ...SeckillActivityFields
    stats {
      sold
      pending
      returned
      failed
      available
      admitted
      redisStock
      redisReturned
      expectedRedisStock
      consistent
      settled
      releasedToSku
      reconciledAt
    }
  }
}
    fragment SeckillActivityFields on SeckillActivity {
  id
  skuId
  storeId
  stock
  priceFen
  startsAt
  endsAt
  limitPerUser
  state
}`) as unknown as TypedDocumentString<SeckillActivityQuery, SeckillActivityQueryVariables>;
export const SeckillResultChangedDocument = new TypedDocumentString(`
    subscription SeckillResultChanged($attemptId: ID!) {
  seckillResultChanged(attemptId: $attemptId) {
    ...SeckillAttemptFields
  }
}
    fragment SeckillAttemptFields on SeckillAttempt {
  id
  activityId
  status
  orderNo
  reason
}`) as unknown as TypedDocumentString<SeckillResultChangedSubscription, SeckillResultChangedSubscriptionVariables>;
export const SeckillResultDocument = new TypedDocumentString(`
    query SeckillResult($attemptId: ID!) {
  seckillResult(attemptId: $attemptId) {
    ...SeckillAttemptFields
  }
}
    fragment SeckillAttemptFields on SeckillAttempt {
  id
  activityId
  status
  orderNo
  reason
}`) as unknown as TypedDocumentString<SeckillResultQuery, SeckillResultQueryVariables>;
export const SeckillDocument = new TypedDocumentString(`
    mutation Seckill($activityId: ID!, $clientRequestId: String!) {
  seckill(activityId: $activityId, clientRequestId: $clientRequestId) {
    ...SeckillAttemptFields
  }
}
    fragment SeckillAttemptFields on SeckillAttempt {
  id
  activityId
  status
  orderNo
  reason
}`) as unknown as TypedDocumentString<SeckillMutation, SeckillMutationVariables>;
export const SimulatePaymentDocument = new TypedDocumentString(`
    mutation SimulatePayment($orderNo: String!) {
  simulatePayment(orderNo: $orderNo)
}
    `) as unknown as TypedDocumentString<SimulatePaymentMutation, SimulatePaymentMutationVariables>;
export const StoreDocument = new TypedDocumentString(`
    query Store($id: ID!) {
  store(id: $id) {
    ...StoreFields
    openNow
    updatedAt
  }
}
    fragment StoreFields on Store {
  id
  name
  city
  address
  latitude
  longitude
  phone
  openTime
  closeTime
  status
  version
}`) as unknown as TypedDocumentString<StoreQuery, StoreQueryVariables>;
export const StoresDocument = new TypedDocumentString(`
    query Stores($filter: StoreFilter, $first: Int, $after: String) {
  stores(filter: $filter, first: $first, after: $after) {
    edges {
      cursor
      distanceMeters
      node {
        ...StoreFields
        openNow
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment StoreFields on Store {
  id
  name
  city
  address
  latitude
  longitude
  phone
  openTime
  closeTime
  status
  version
}`) as unknown as TypedDocumentString<StoresQuery, StoresQueryVariables>;
export const UpdateStoreDocument = new TypedDocumentString(`
    mutation UpdateStore($id: ID!, $input: StoreInput!) {
  updateStore(id: $id, input: $input) {
    ...StoreFields
  }
}
    fragment StoreFields on Store {
  id
  name
  city
  address
  latitude
  longitude
  phone
  openTime
  closeTime
  status
  version
}`) as unknown as TypedDocumentString<UpdateStoreMutation, UpdateStoreMutationVariables>;