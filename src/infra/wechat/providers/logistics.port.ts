export interface WaybillReceiver {
  name: string;
  phone: string;
  address: string;
}

export interface WaybillItem {
  skuId?: string;
  name: string;
  quantity: number;
}

export interface CreateWaybillInput {
  /** Also the idempotency key: creating a waybill twice for one order returns the same waybill. */
  orderNo: string;
  receiver: WaybillReceiver;
  items: WaybillItem[];
}

/**
 * A third-party logistics provider. Errors: `PROVIDER_UNAVAILABLE` (timeout, connection failure,
 * 5xx, 429: retryable), `PROVIDER_REQUEST_FAILED` (4xx: bad address, ...).
 */
export interface LogisticsClient {
  createWaybill(input: CreateWaybillInput): Promise<{ waybillNo: string; carrier: string }>;
}
