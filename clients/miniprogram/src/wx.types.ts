/**
 * The slice of the mini-program `wx` API the kit uses, typed here so the kit needs neither
 * miniprogram-api-typings nor DOM or Node types. A test passes a shim with the same shape.
 */
export interface WxRequestSuccess {
  statusCode: number;
  data: unknown;
  header?: Record<string, string>;
}

export interface WxRequestOptions {
  url: string;
  method: 'POST' | 'GET';
  data?: unknown;
  header?: Record<string, string>;
  dataType?: 'json' | 'text';
  timeout?: number;
  success?: (res: WxRequestSuccess) => void;
  fail?: (err: { errMsg: string }) => void;
}

export interface WxConnectSocketOptions {
  url: string;
  header?: Record<string, string>;
  protocols?: string[];
  timeout?: number;
  success?: () => void;
  fail?: (err: { errMsg: string }) => void;
}

/** wx.connectSocket's SocketTask. */
export interface WxSocketTask {
  send(options: { data: string; success?: () => void; fail?: (err: { errMsg: string }) => void }): void;
  close(options: { code?: number; reason?: string; success?: () => void; fail?: (err: { errMsg: string }) => void }): void;
  onOpen(listener: (res: { header?: Record<string, string>; protocol?: string }) => void): void;
  onClose(listener: (res: { code: number; reason: string }) => void): void;
  onError(listener: (res: { errMsg: string }) => void): void;
  onMessage(listener: (res: { data: string | ArrayBuffer }) => void): void;
}

export interface Wx {
  login(options: { timeout?: number; success?: (res: { code: string }) => void; fail?: (err: { errMsg: string }) => void }): void;
  request(options: WxRequestOptions): unknown;
  connectSocket(options: WxConnectSocketOptions): WxSocketTask;
  getStorageSync(key: string): unknown;
  setStorageSync(key: string, value: unknown): void;
  removeStorageSync(key: string): void;
}
