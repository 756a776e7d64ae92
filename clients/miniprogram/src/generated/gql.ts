/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation AdminLogin($username: String!, $password: String!) {\n  adminLogin(username: $username, password: $password) {\n    token\n    expiresAt\n    role\n  }\n}": typeof types.AdminLoginDocument,
    "mutation CancelOrder($orderNo: String!) {\n  cancelOrder(orderNo: $orderNo) {\n    ...OrderFields\n  }\n}": typeof types.CancelOrderDocument,
    "mutation ConfirmReceipt($orderNo: String!) {\n  confirmReceipt(orderNo: $orderNo) {\n    orderNo\n    status\n  }\n}": typeof types.ConfirmReceiptDocument,
    "mutation CreateSeckillActivity($input: SeckillActivityInput!) {\n  createSeckillActivity(input: $input) {\n    ...SeckillActivityFields\n  }\n}": typeof types.CreateSeckillActivityDocument,
    "mutation CreateStore($input: StoreInput!) {\n  createStore(input: $input) {\n    ...StoreFields\n  }\n}": typeof types.CreateStoreDocument,
    "fragment OrderFields on Order {\n  orderNo\n  status\n  totalFen\n  discountFen\n  payableFen\n  couponId\n  remark\n  items {\n    skuId\n    productName\n    skuName\n    unitPriceFen\n    quantity\n    subtotalFen\n  }\n  createdAt\n  paidAt\n  expiresAt\n  cancelledAt\n  cancelReason\n}": typeof types.OrderFieldsFragmentDoc,
    "fragment SeckillActivityFields on SeckillActivity {\n  id\n  skuId\n  storeId\n  stock\n  priceFen\n  startsAt\n  endsAt\n  limitPerUser\n  state\n}": typeof types.SeckillActivityFieldsFragmentDoc,
    "fragment SeckillAttemptFields on SeckillAttempt {\n  id\n  activityId\n  status\n  orderNo\n  reason\n}": typeof types.SeckillAttemptFieldsFragmentDoc,
    "fragment StoreFields on Store {\n  id\n  name\n  city\n  address\n  latitude\n  longitude\n  phone\n  openTime\n  closeTime\n  status\n  version\n}": typeof types.StoreFieldsFragmentDoc,
    "mutation Login($code: String!) {\n  login(code: $code) {\n    token\n    expiresAt\n    firstLogin\n    role\n    user {\n      id\n      nickname\n      points\n      createdAt\n    }\n  }\n}": typeof types.LoginDocument,
    "mutation Logout {\n  logout\n}": typeof types.LogoutDocument,
    "query Me {\n  me {\n    id\n    nickname\n    points\n    createdAt\n  }\n}": typeof types.MeDocument,
    "query MyCoupons($status: CouponStatus) {\n  myCoupons(status: $status) {\n    id\n    code\n    name\n    discountFen\n    thresholdFen\n    status\n    source\n    validUntil\n  }\n}": typeof types.MyCouponsDocument,
    "subscription OrderStatusChanged($orderNo: String!) {\n  orderStatusChanged(orderNo: $orderNo) {\n    orderNo\n    status\n    event\n    previousStatus\n    seq\n    at\n    reason\n  }\n}": typeof types.OrderStatusChangedDocument,
    "query Order($orderNo: String!) {\n  order(orderNo: $orderNo) {\n    ...OrderFields\n  }\n}": typeof types.OrderDocument,
    "query Orders($status: OrderStatus, $first: Int, $after: String) {\n  orders(status: $status, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        orderNo\n        status\n        totalFen\n        payableFen\n        items {\n          skuId\n          quantity\n        }\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.OrdersDocument,
    "mutation PayOrder($orderNo: String!) {\n  payOrder(orderNo: $orderNo) {\n    appId\n    timeStamp\n    nonceStr\n    package\n    signType\n    paySign\n  }\n}": typeof types.PayOrderDocument,
    "mutation PlaceOrder($input: PlaceOrderInput!) {\n  placeOrder(input: $input) {\n    ...OrderFields\n  }\n}": typeof types.PlaceOrderDocument,
    "query Products($storeId: ID, $first: Int, $after: String) {\n  products(storeId: $storeId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        name\n        skus {\n          id\n          name\n          priceFen\n          stock\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.ProductsDocument,
    "mutation ReconcileSeckill($activityId: ID) {\n  reconcileSeckill(activityId: $activityId)\n}": typeof types.ReconcileSeckillDocument,
    "mutation RequestRefund($orderNo: String!, $reason: String!) {\n  requestRefund(orderNo: $orderNo, reason: $reason) {\n    refundNo\n    status\n    amountFen\n  }\n}": typeof types.RequestRefundDocument,
    "query SalesSummary($from: DateTime!, $to: DateTime!) {\n  salesSummary(from: $from, to: $to) {\n    from\n    to\n    ordersCreated\n    ordersPaid\n    ordersCancelled\n    ordersRefunded\n    gmvFen\n    refundedFen\n  }\n}": typeof types.SalesSummaryDocument,
    "query SeckillActivities {\n  seckillActivities {\n    ...SeckillActivityFields\n  }\n}": typeof types.SeckillActivitiesDocument,
    "query SeckillActivity($id: ID!) {\n  seckillActivity(id: $id) {\n    ...SeckillActivityFields\n    stats {\n      sold\n      pending\n      returned\n      failed\n      available\n      admitted\n      redisStock\n      redisReturned\n      expectedRedisStock\n      consistent\n      settled\n      releasedToSku\n      reconciledAt\n    }\n  }\n}": typeof types.SeckillActivityDocument,
    "subscription SeckillResultChanged($attemptId: ID!) {\n  seckillResultChanged(attemptId: $attemptId) {\n    ...SeckillAttemptFields\n  }\n}": typeof types.SeckillResultChangedDocument,
    "query SeckillResult($attemptId: ID!) {\n  seckillResult(attemptId: $attemptId) {\n    ...SeckillAttemptFields\n  }\n}": typeof types.SeckillResultDocument,
    "mutation Seckill($activityId: ID!, $clientRequestId: String!) {\n  seckill(activityId: $activityId, clientRequestId: $clientRequestId) {\n    ...SeckillAttemptFields\n  }\n}": typeof types.SeckillDocument,
    "mutation SimulatePayment($orderNo: String!) {\n  simulatePayment(orderNo: $orderNo)\n}": typeof types.SimulatePaymentDocument,
    "query Store($id: ID!) {\n  store(id: $id) {\n    ...StoreFields\n    openNow\n    updatedAt\n  }\n}": typeof types.StoreDocument,
    "query Stores($filter: StoreFilter, $first: Int, $after: String) {\n  stores(filter: $filter, first: $first, after: $after) {\n    edges {\n      cursor\n      distanceMeters\n      node {\n        ...StoreFields\n        openNow\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.StoresDocument,
    "mutation UpdateStore($id: ID!, $input: StoreInput!) {\n  updateStore(id: $id, input: $input) {\n    ...StoreFields\n  }\n}": typeof types.UpdateStoreDocument,
};
const documents: Documents = {
    "mutation AdminLogin($username: String!, $password: String!) {\n  adminLogin(username: $username, password: $password) {\n    token\n    expiresAt\n    role\n  }\n}": types.AdminLoginDocument,
    "mutation CancelOrder($orderNo: String!) {\n  cancelOrder(orderNo: $orderNo) {\n    ...OrderFields\n  }\n}": types.CancelOrderDocument,
    "mutation ConfirmReceipt($orderNo: String!) {\n  confirmReceipt(orderNo: $orderNo) {\n    orderNo\n    status\n  }\n}": types.ConfirmReceiptDocument,
    "mutation CreateSeckillActivity($input: SeckillActivityInput!) {\n  createSeckillActivity(input: $input) {\n    ...SeckillActivityFields\n  }\n}": types.CreateSeckillActivityDocument,
    "mutation CreateStore($input: StoreInput!) {\n  createStore(input: $input) {\n    ...StoreFields\n  }\n}": types.CreateStoreDocument,
    "fragment OrderFields on Order {\n  orderNo\n  status\n  totalFen\n  discountFen\n  payableFen\n  couponId\n  remark\n  items {\n    skuId\n    productName\n    skuName\n    unitPriceFen\n    quantity\n    subtotalFen\n  }\n  createdAt\n  paidAt\n  expiresAt\n  cancelledAt\n  cancelReason\n}": types.OrderFieldsFragmentDoc,
    "fragment SeckillActivityFields on SeckillActivity {\n  id\n  skuId\n  storeId\n  stock\n  priceFen\n  startsAt\n  endsAt\n  limitPerUser\n  state\n}": types.SeckillActivityFieldsFragmentDoc,
    "fragment SeckillAttemptFields on SeckillAttempt {\n  id\n  activityId\n  status\n  orderNo\n  reason\n}": types.SeckillAttemptFieldsFragmentDoc,
    "fragment StoreFields on Store {\n  id\n  name\n  city\n  address\n  latitude\n  longitude\n  phone\n  openTime\n  closeTime\n  status\n  version\n}": types.StoreFieldsFragmentDoc,
    "mutation Login($code: String!) {\n  login(code: $code) {\n    token\n    expiresAt\n    firstLogin\n    role\n    user {\n      id\n      nickname\n      points\n      createdAt\n    }\n  }\n}": types.LoginDocument,
    "mutation Logout {\n  logout\n}": types.LogoutDocument,
    "query Me {\n  me {\n    id\n    nickname\n    points\n    createdAt\n  }\n}": types.MeDocument,
    "query MyCoupons($status: CouponStatus) {\n  myCoupons(status: $status) {\n    id\n    code\n    name\n    discountFen\n    thresholdFen\n    status\n    source\n    validUntil\n  }\n}": types.MyCouponsDocument,
    "subscription OrderStatusChanged($orderNo: String!) {\n  orderStatusChanged(orderNo: $orderNo) {\n    orderNo\n    status\n    event\n    previousStatus\n    seq\n    at\n    reason\n  }\n}": types.OrderStatusChangedDocument,
    "query Order($orderNo: String!) {\n  order(orderNo: $orderNo) {\n    ...OrderFields\n  }\n}": types.OrderDocument,
    "query Orders($status: OrderStatus, $first: Int, $after: String) {\n  orders(status: $status, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        orderNo\n        status\n        totalFen\n        payableFen\n        items {\n          skuId\n          quantity\n        }\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.OrdersDocument,
    "mutation PayOrder($orderNo: String!) {\n  payOrder(orderNo: $orderNo) {\n    appId\n    timeStamp\n    nonceStr\n    package\n    signType\n    paySign\n  }\n}": types.PayOrderDocument,
    "mutation PlaceOrder($input: PlaceOrderInput!) {\n  placeOrder(input: $input) {\n    ...OrderFields\n  }\n}": types.PlaceOrderDocument,
    "query Products($storeId: ID, $first: Int, $after: String) {\n  products(storeId: $storeId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        name\n        skus {\n          id\n          name\n          priceFen\n          stock\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.ProductsDocument,
    "mutation ReconcileSeckill($activityId: ID) {\n  reconcileSeckill(activityId: $activityId)\n}": types.ReconcileSeckillDocument,
    "mutation RequestRefund($orderNo: String!, $reason: String!) {\n  requestRefund(orderNo: $orderNo, reason: $reason) {\n    refundNo\n    status\n    amountFen\n  }\n}": types.RequestRefundDocument,
    "query SalesSummary($from: DateTime!, $to: DateTime!) {\n  salesSummary(from: $from, to: $to) {\n    from\n    to\n    ordersCreated\n    ordersPaid\n    ordersCancelled\n    ordersRefunded\n    gmvFen\n    refundedFen\n  }\n}": types.SalesSummaryDocument,
    "query SeckillActivities {\n  seckillActivities {\n    ...SeckillActivityFields\n  }\n}": types.SeckillActivitiesDocument,
    "query SeckillActivity($id: ID!) {\n  seckillActivity(id: $id) {\n    ...SeckillActivityFields\n    stats {\n      sold\n      pending\n      returned\n      failed\n      available\n      admitted\n      redisStock\n      redisReturned\n      expectedRedisStock\n      consistent\n      settled\n      releasedToSku\n      reconciledAt\n    }\n  }\n}": types.SeckillActivityDocument,
    "subscription SeckillResultChanged($attemptId: ID!) {\n  seckillResultChanged(attemptId: $attemptId) {\n    ...SeckillAttemptFields\n  }\n}": types.SeckillResultChangedDocument,
    "query SeckillResult($attemptId: ID!) {\n  seckillResult(attemptId: $attemptId) {\n    ...SeckillAttemptFields\n  }\n}": types.SeckillResultDocument,
    "mutation Seckill($activityId: ID!, $clientRequestId: String!) {\n  seckill(activityId: $activityId, clientRequestId: $clientRequestId) {\n    ...SeckillAttemptFields\n  }\n}": types.SeckillDocument,
    "mutation SimulatePayment($orderNo: String!) {\n  simulatePayment(orderNo: $orderNo)\n}": types.SimulatePaymentDocument,
    "query Store($id: ID!) {\n  store(id: $id) {\n    ...StoreFields\n    openNow\n    updatedAt\n  }\n}": types.StoreDocument,
    "query Stores($filter: StoreFilter, $first: Int, $after: String) {\n  stores(filter: $filter, first: $first, after: $after) {\n    edges {\n      cursor\n      distanceMeters\n      node {\n        ...StoreFields\n        openNow\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.StoresDocument,
    "mutation UpdateStore($id: ID!, $input: StoreInput!) {\n  updateStore(id: $id, input: $input) {\n    ...StoreFields\n  }\n}": types.UpdateStoreDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation AdminLogin($username: String!, $password: String!) {\n  adminLogin(username: $username, password: $password) {\n    token\n    expiresAt\n    role\n  }\n}"): typeof import('./graphql').AdminLoginDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CancelOrder($orderNo: String!) {\n  cancelOrder(orderNo: $orderNo) {\n    ...OrderFields\n  }\n}"): typeof import('./graphql').CancelOrderDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ConfirmReceipt($orderNo: String!) {\n  confirmReceipt(orderNo: $orderNo) {\n    orderNo\n    status\n  }\n}"): typeof import('./graphql').ConfirmReceiptDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateSeckillActivity($input: SeckillActivityInput!) {\n  createSeckillActivity(input: $input) {\n    ...SeckillActivityFields\n  }\n}"): typeof import('./graphql').CreateSeckillActivityDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateStore($input: StoreInput!) {\n  createStore(input: $input) {\n    ...StoreFields\n  }\n}"): typeof import('./graphql').CreateStoreDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment OrderFields on Order {\n  orderNo\n  status\n  totalFen\n  discountFen\n  payableFen\n  couponId\n  remark\n  items {\n    skuId\n    productName\n    skuName\n    unitPriceFen\n    quantity\n    subtotalFen\n  }\n  createdAt\n  paidAt\n  expiresAt\n  cancelledAt\n  cancelReason\n}"): typeof import('./graphql').OrderFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment SeckillActivityFields on SeckillActivity {\n  id\n  skuId\n  storeId\n  stock\n  priceFen\n  startsAt\n  endsAt\n  limitPerUser\n  state\n}"): typeof import('./graphql').SeckillActivityFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment SeckillAttemptFields on SeckillAttempt {\n  id\n  activityId\n  status\n  orderNo\n  reason\n}"): typeof import('./graphql').SeckillAttemptFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment StoreFields on Store {\n  id\n  name\n  city\n  address\n  latitude\n  longitude\n  phone\n  openTime\n  closeTime\n  status\n  version\n}"): typeof import('./graphql').StoreFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Login($code: String!) {\n  login(code: $code) {\n    token\n    expiresAt\n    firstLogin\n    role\n    user {\n      id\n      nickname\n      points\n      createdAt\n    }\n  }\n}"): typeof import('./graphql').LoginDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Logout {\n  logout\n}"): typeof import('./graphql').LogoutDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me {\n  me {\n    id\n    nickname\n    points\n    createdAt\n  }\n}"): typeof import('./graphql').MeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query MyCoupons($status: CouponStatus) {\n  myCoupons(status: $status) {\n    id\n    code\n    name\n    discountFen\n    thresholdFen\n    status\n    source\n    validUntil\n  }\n}"): typeof import('./graphql').MyCouponsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription OrderStatusChanged($orderNo: String!) {\n  orderStatusChanged(orderNo: $orderNo) {\n    orderNo\n    status\n    event\n    previousStatus\n    seq\n    at\n    reason\n  }\n}"): typeof import('./graphql').OrderStatusChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Order($orderNo: String!) {\n  order(orderNo: $orderNo) {\n    ...OrderFields\n  }\n}"): typeof import('./graphql').OrderDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Orders($status: OrderStatus, $first: Int, $after: String) {\n  orders(status: $status, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        orderNo\n        status\n        totalFen\n        payableFen\n        items {\n          skuId\n          quantity\n        }\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): typeof import('./graphql').OrdersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PayOrder($orderNo: String!) {\n  payOrder(orderNo: $orderNo) {\n    appId\n    timeStamp\n    nonceStr\n    package\n    signType\n    paySign\n  }\n}"): typeof import('./graphql').PayOrderDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PlaceOrder($input: PlaceOrderInput!) {\n  placeOrder(input: $input) {\n    ...OrderFields\n  }\n}"): typeof import('./graphql').PlaceOrderDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Products($storeId: ID, $first: Int, $after: String) {\n  products(storeId: $storeId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        name\n        skus {\n          id\n          name\n          priceFen\n          stock\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): typeof import('./graphql').ProductsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ReconcileSeckill($activityId: ID) {\n  reconcileSeckill(activityId: $activityId)\n}"): typeof import('./graphql').ReconcileSeckillDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RequestRefund($orderNo: String!, $reason: String!) {\n  requestRefund(orderNo: $orderNo, reason: $reason) {\n    refundNo\n    status\n    amountFen\n  }\n}"): typeof import('./graphql').RequestRefundDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SalesSummary($from: DateTime!, $to: DateTime!) {\n  salesSummary(from: $from, to: $to) {\n    from\n    to\n    ordersCreated\n    ordersPaid\n    ordersCancelled\n    ordersRefunded\n    gmvFen\n    refundedFen\n  }\n}"): typeof import('./graphql').SalesSummaryDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SeckillActivities {\n  seckillActivities {\n    ...SeckillActivityFields\n  }\n}"): typeof import('./graphql').SeckillActivitiesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SeckillActivity($id: ID!) {\n  seckillActivity(id: $id) {\n    ...SeckillActivityFields\n    stats {\n      sold\n      pending\n      returned\n      failed\n      available\n      admitted\n      redisStock\n      redisReturned\n      expectedRedisStock\n      consistent\n      settled\n      releasedToSku\n      reconciledAt\n    }\n  }\n}"): typeof import('./graphql').SeckillActivityDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription SeckillResultChanged($attemptId: ID!) {\n  seckillResultChanged(attemptId: $attemptId) {\n    ...SeckillAttemptFields\n  }\n}"): typeof import('./graphql').SeckillResultChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SeckillResult($attemptId: ID!) {\n  seckillResult(attemptId: $attemptId) {\n    ...SeckillAttemptFields\n  }\n}"): typeof import('./graphql').SeckillResultDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Seckill($activityId: ID!, $clientRequestId: String!) {\n  seckill(activityId: $activityId, clientRequestId: $clientRequestId) {\n    ...SeckillAttemptFields\n  }\n}"): typeof import('./graphql').SeckillDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SimulatePayment($orderNo: String!) {\n  simulatePayment(orderNo: $orderNo)\n}"): typeof import('./graphql').SimulatePaymentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Store($id: ID!) {\n  store(id: $id) {\n    ...StoreFields\n    openNow\n    updatedAt\n  }\n}"): typeof import('./graphql').StoreDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Stores($filter: StoreFilter, $first: Int, $after: String) {\n  stores(filter: $filter, first: $first, after: $after) {\n    edges {\n      cursor\n      distanceMeters\n      node {\n        ...StoreFields\n        openNow\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): typeof import('./graphql').StoresDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateStore($id: ID!, $input: StoreInput!) {\n  updateStore(id: $id, input: $input) {\n    ...StoreFields\n  }\n}"): typeof import('./graphql').UpdateStoreDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
