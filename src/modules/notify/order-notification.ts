import type { MiniProgramApi, SubscribeMessage } from '../../infra/wechat/mini-program.port.js';
import type { OrderStatusChanged } from '../order/order-events.js';
import { DISPLAY_UTC_OFFSET_MINUTES, ORDER_DETAIL_PAGE, SUBSCRIBE_FIELD_MAX_CHARS, type NotificationKind } from './notify.templates.js';

/** Keyword name → plain value, e.g. `{ character_string1: 'O2026...', amount2: '12.30元' }`. */
export type NotificationFields = Record<string, string>;

/**
 * One order notification (a command): the template method `send()` builds the subscribe-message
 * body from the event, then sends it. Subclasses only say which template, which page and which
 * keyword values; the base class enforces WeChat's length limits and does the sending.
 */
export abstract class OrderNotification {
  abstract readonly kind: NotificationKind;

  constructor(
    protected readonly event: OrderStatusChanged,
    private readonly templateIds: Readonly<Record<NotificationKind, string>>,
  ) {}

  get templateId(): string {
    return this.templateIds[this.kind];
  }

  /** The template method: build the body, then send it through the subscribe-message API. */
  async send(api: MiniProgramApi, toOpenid: string): Promise<SubscribeMessage> {
    const message = this.build(toOpenid);
    await api.sendSubscribeMessage(message);
    return message;
  }

  /** The subscribe-message body, every value cut to its keyword type's limit. */
  build(toOpenid: string): SubscribeMessage {
    const data: SubscribeMessage['data'] = {};
    for (const [key, value] of Object.entries(this.fields())) data[key] = { value: fitField(key, value) };
    return { toOpenid, templateId: this.templateId, page: this.page(), data };
  }

  /** The page the message opens; the order detail unless a command says otherwise. */
  protected page(): string {
    return `${ORDER_DETAIL_PAGE}?orderNo=${encodeURIComponent(this.event.orderNo)}`;
  }

  protected abstract fields(): NotificationFields;
}

/** CREATED: the order waits for payment. */
export class WaitPayNotification extends OrderNotification {
  readonly kind = 'WAIT_PAY' as const;
  protected fields(): NotificationFields {
    return { character_string1: this.event.orderNo, amount2: formatFen(this.event.payableFen), time3: formatTime(this.event.at), thing4: '请尽快支付，超时订单将自动取消' };
  }
}

/** CANCELLED: by the user or by the payment timeout. */
export class CancelNotification extends OrderNotification {
  readonly kind = 'CANCEL' as const;
  protected fields(): NotificationFields {
    return { character_string1: this.event.orderNo, amount2: formatFen(this.event.payableFen), time3: formatTime(this.event.at), thing4: reasonText(this.event.reason, '订单已取消') };
  }
}

/** SHIPPED: the goods are on their way (the user confirms receipt later). */
export class ShipNotification extends OrderNotification {
  readonly kind = 'SHIP' as const;
  protected fields(): NotificationFields {
    return { character_string1: this.event.orderNo, time2: formatTime(this.event.at), thing3: '商品已发货，请留意物流并确认收货' };
  }
}

/** PAID: payment received. */
export class PayNotification extends OrderNotification {
  readonly kind = 'PAY' as const;
  protected fields(): NotificationFields {
    return { character_string1: this.event.orderNo, amount2: formatFen(this.event.payableFen), time3: formatTime(this.event.at), phrase4: '支付成功' };
  }
}

/** COMPLETED: receipt confirmed (or auto-confirmed). */
export class FinishNotification extends OrderNotification {
  readonly kind = 'FINISH' as const;
  protected fields(): NotificationFields {
    return { character_string1: this.event.orderNo, time2: formatTime(this.event.at), thing3: '订单已完成，感谢您的光临' };
  }
}

/** REFUNDING / REFUNDED. */
export class RefundNotification extends OrderNotification {
  readonly kind = 'REFUND' as const;
  protected fields(): NotificationFields {
    const done = this.event.status === 'REFUNDED';
    return {
      character_string1: this.event.orderNo,
      amount2: formatFen(this.event.payableFen),
      phrase3: done ? '已退款' : '退款中',
      thing4: done ? '退款已原路退回，请注意查收' : reasonText(this.event.reason, '退款申请已受理'),
    };
  }
}

type NotificationCtor = new (event: OrderStatusChanged, templateIds: Readonly<Record<NotificationKind, string>>) => OrderNotification;

/** Which command each stream event (the message tag) produces; events not listed send nothing. */
export const NOTIFICATION_BY_EVENT: Readonly<Record<string, NotificationCtor>> = {
  CREATED: WaitPayNotification,
  CANCELLED: CancelNotification,
  SHIPPED: ShipNotification,
  PAID: PayNotification,
  COMPLETED: FinishNotification,
  REFUNDING: RefundNotification,
  REFUNDED: RefundNotification,
};

/** The factory: the notification command for a stream event, or null when the event sends none. */
export class OrderNotificationFactory {
  constructor(private readonly templateIds: Readonly<Record<NotificationKind, string>>) {}

  create(event: OrderStatusChanged): OrderNotification | null {
    const Ctor = NOTIFICATION_BY_EVENT[event.event];
    return Ctor ? new Ctor(event, this.templateIds) : null;
  }
}

// ---- formatting ------------------------------------------------------------------------------

const REASON_TEXT: Readonly<Record<string, string>> = {
  USER_CANCELLED: '您已取消订单',
  PAYMENT_TIMEOUT: '超时未支付，订单已自动取消',
  ADMIN_CANCELLED: '订单已被商家取消',
};

function reasonText(reason: string | undefined, fallback: string): string {
  if (!reason) return fallback;
  // Known codes read well; free text (a user's refund reason) is shown as given, cut to fit.
  return REASON_TEXT[reason] ?? (/^[A-Z_]+$/.test(reason) ? fallback : reason);
}

/** `1230` → `12.30元` (WeChat's amount keyword: digits with an optional currency sign or 元). */
export function formatFen(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}元`;
}

/** ISO instant → `2026年11月22日 11:50` in the display time zone (UTC+8). */
export function formatTime(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '';
  const d = new Date(t.getTime() + DISPLAY_UTC_OFFSET_MINUTES * 60_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** Cuts a value to its keyword type's limit (counting characters, not UTF-16 units). */
export function fitField(key: string, value: string): string {
  const type = key.replace(/\d+$/, '');
  const max = SUBSCRIBE_FIELD_MAX_CHARS[type];
  const chars = Array.from(value);
  if (max === undefined || chars.length <= max) return value;
  return type === 'thing' ? chars.slice(0, max - 1).join('') + '…' : chars.slice(0, max).join('');
}
