import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** The waybill of an order: one per order (unique order_no), written once the provider issued it. */
export const Shipment = defineEntity({
  name: 'Shipment',
  tableName: 'shipment',
  properties: {
    id: p.integer().primary().autoincrement(),
    orderNo: p.string().length(32).unique(),
    waybillNo: p.string().length(64),
    carrier: p.string().length(32),
    createdAt: p.datetime(3).onCreate(() => new Date()),
  },
});
export type ShipmentRow = InferEntity<typeof Shipment>;
