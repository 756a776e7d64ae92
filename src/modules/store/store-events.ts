/**
 * The store-change contract (broadcast topic `TopicStoreChanged`, key = storeId), written to the
 * outbox with the store's update. Every API instance consumes it to drop its L1 copy.
 */
/** The TopicStoreChanged body (schema version in the envelope). */
export interface StoreChanged {
  storeId: number;
  version: number;
}
