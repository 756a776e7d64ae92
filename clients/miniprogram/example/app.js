// The kit, either through the mini-program npm build (`npm i` in the mini-program project, then
// Tools → Build npm) or as a copied file: cp clients/miniprogram/dist/index.js lib/wxshop-client.js
const { createClient } = require('./lib/wxshop-client.js');

App({
  onLaunch() {
    // One client for the whole mini-program: one session, one subscription socket.
    this.client = createClient({
      // Add the host to the mini-program's request and socket domain allow-lists (wss:// is derived).
      endpoint: 'https://shop.example.com/graphql',
      onSessionExpired: () => wx.showToast({ title: '登录失效，请稍后重试', icon: 'none' }),
    });
    // Log in early; requests would log in by themselves anyway.
    this.client.login().catch(() => undefined);
  },
});
