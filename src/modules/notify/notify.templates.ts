/**
 * WeChat subscribe-message template ids, one per notification kind. Real ids are issued per
 * mini-program in the WeChat console (公众平台 → 订阅消息); these env-free defaults are what local
 * mode and tests use, and the field keys below must match the template's keywords.
 */
export const NotificationKinds = ['WAIT_PAY', 'CANCEL', 'SHIP', 'PAY', 'FINISH', 'REFUND'] as const;
export type NotificationKind = (typeof NotificationKinds)[number];

export const DEFAULT_NOTIFY_TEMPLATE_IDS: Readonly<Record<NotificationKind, string>> = {
  WAIT_PAY: 'tmpl-order-wait-pay',
  CANCEL: 'tmpl-order-cancelled',
  SHIP: 'tmpl-order-shipped',
  PAY: 'tmpl-order-paid',
  FINISH: 'tmpl-order-finished',
  REFUND: 'tmpl-order-refund',
};

/** Mini-program page a notification opens (the order detail). */
export const ORDER_DETAIL_PAGE = 'pages/order/detail';

/**
 * WeChat's limits per keyword type (the keyword name without its number, e.g. `thing` for
 * `thing1`), in characters. A longer value makes WeChat reject the whole message (47003), so
 * values are cut to fit before sending.
 * https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html
 */
export const SUBSCRIBE_FIELD_MAX_CHARS: Readonly<Record<string, number>> = {
  thing: 20,
  character_string: 32,
  number: 32,
  letter: 32,
  symbol: 5,
  phrase: 5,
  name: 10,
  amount: 16,
  phone_number: 17,
  car_number: 8,
  time: 32,
  date: 32,
};

/** Display time zone for dates in messages (China Standard Time, no DST): UTC+8, in minutes. */
export const DISPLAY_UTC_OFFSET_MINUTES = 8 * 60;
