// Lists stores, places an order, pays with wx.requestPayment and shows status pushes.
const kit = require('../../lib/wxshop-client.js');

const STATUS_TEXT = {
  PENDING_PAYMENT: '待支付',
  PAID: '已支付',
  SHIPPED: '已发货',
  COMPLETED: '已完成',
  CANCELLED: '已取消',
  REFUNDING: '退款中',
  REFUNDED: '已退款',
};

// What the page tells the user for the failures it can explain; the rest is a generic toast.
const REASON_TEXT = {
  OUT_OF_STOCK: '库存不足',
  ORDER_NOT_PAYABLE: '订单不可支付',
  ORDER_PAYMENT_EXPIRED: '订单已超时',
  WECHAT_UNAVAILABLE: '微信服务繁忙，请稍后重试',
};

function newRequestId() {
  return 'req-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10);
}

Page({
  data: {
    stores: [],
    storeId: null,
    skus: [],
    order: null,
    statusText: '',
    pushes: [],
    busy: false,
  },

  onLoad() {
    this.client = getApp().client;
    this.client
      .request(kit.StoresDocument, { first: 20 })
      .then((data) => this.setData({ stores: data.stores.edges.map((e) => e.node) }))
      .catch((err) => this.fail(err));
  },

  onUnload() {
    this.stopWatching();
  },

  selectStore(e) {
    const storeId = e.currentTarget.dataset.id;
    this.setData({ storeId: storeId, skus: [] });
    this.client
      .request(kit.ProductsDocument, { storeId: storeId, first: 20 })
      .then((data) => {
        const skus = [];
        data.products.edges.forEach((edge) => {
          edge.node.skus.forEach((sku) => skus.push({ id: sku.id, name: edge.node.name + ' · ' + sku.name, priceFen: sku.priceFen, stock: sku.stock }));
        });
        this.setData({ skus: skus });
      })
      .catch((err) => this.fail(err));
  },

  placeOrder(e) {
    if (this.data.busy) return;
    // One id per checkout: a resubmit after a lost answer returns the same order.
    if (!this.checkoutId) this.checkoutId = newRequestId();
    this.setData({ busy: true });
    this.client
      .request(kit.PlaceOrderDocument, {
        input: { clientRequestId: this.checkoutId, storeId: this.data.storeId, items: [{ skuId: e.currentTarget.dataset.id, quantity: 1 }] },
      })
      .then((data) => {
        this.checkoutId = null;
        this.showOrder(data.placeOrder);
        this.watch(data.placeOrder.orderNo);
      })
      .catch((err) => this.fail(err))
      .then(() => this.setData({ busy: false }));
  },

  pay() {
    const orderNo = this.data.order.orderNo;
    this.setData({ busy: true });
    this.client
      .request(kit.PayOrderDocument, { orderNo: orderNo })
      .then((data) => this.requestPayment(data.payOrder))
      .catch((err) => this.fail(err))
      .then(() => this.setData({ busy: false }));
  },

  requestPayment(p) {
    return new Promise((resolve, reject) => {
      wx.requestPayment({
        timeStamp: p.timeStamp,
        nonceStr: p.nonceStr,
        package: p.package,
        signType: p.signType,
        paySign: p.paySign,
        // The order turns PAID when WeChat Pay tells the server; the push updates the page.
        success: resolve,
        // The user closing the payment sheet is not an error.
        fail: (res) => (/cancel/.test(res.errMsg) ? resolve() : reject(new Error(res.errMsg))),
      });
    });
  },

  // Local mode only (no WeChat Pay): the server's simulator pays the order.
  simulatePayment() {
    this.client.request(kit.SimulatePaymentDocument, { orderNo: this.data.order.orderNo }).catch((err) => this.fail(err));
  },

  watch(orderNo) {
    this.stopWatching();
    this.unsubscribe = this.client.subscribe(kit.OrderStatusChangedDocument, { orderNo: orderNo }, {
      next: (data) => {
        const event = data.orderStatusChanged;
        // The same transition twice (a re-read raced a push) is shown once.
        if (this.seq && event.seq <= this.seq) return;
        this.seq = event.seq;
        this.setData({
          'order.status': event.status,
          statusText: STATUS_TEXT[event.status] || event.status,
          pushes: this.data.pushes.concat([{ seq: event.seq, text: STATUS_TEXT[event.status] || event.status, at: event.at }]),
        });
      },
      // First subscribe and after every reconnection: read the order, pushes missed while the
      // socket was down are not replayed.
      connected: () => {
        this.client
          .request(kit.OrderDocument, { orderNo: orderNo })
          .then((data) => data.order && this.showOrder(data.order))
          .catch((err) => this.fail(err));
      },
      error: (err) => this.fail(err),
    });
  },

  stopWatching() {
    if (this.unsubscribe) this.unsubscribe();
    this.unsubscribe = null;
  },

  showOrder(order) {
    this.setData({ order: order, statusText: STATUS_TEXT[order.status] || order.status });
  },

  fail(err) {
    const text = (err && err.reason && REASON_TEXT[err.reason]) || (err && err.retryable ? '网络不稳定，请重试' : '出错了');
    wx.showToast({ title: text, icon: 'none' });
  },
});
