import { ConfigError, loadConfig } from '../../../src/config/config.js';

describe('LOCAL_AUTO_SHIP', () => {
  it('defaults to shipping paid orders; false holds them; true is the default spelled out', () => {
    expect(loadConfig({}).autoShip).toBe(true);
    expect(loadConfig({ LOCAL_AUTO_SHIP: 'false' }).autoShip).toBe(false);
    expect(loadConfig({ LOCAL_AUTO_SHIP: 'true' }).autoShip).toBe(true);
  });

  it('refuses anything but true or false, naming the variable', () => {
    expect(() => loadConfig({ LOCAL_AUTO_SHIP: 'no' })).toThrow(ConfigError);
    expect(() => loadConfig({ LOCAL_AUTO_SHIP: 'no' })).toThrow(/LOCAL_AUTO_SHIP: must be true or false/);
  });

  it('is refused outside local mode: a real warehouse is never skipped', () => {
    expect(() => loadConfig({ WECHAT_APPID: 'wx123', LOCAL_AUTO_SHIP: 'false' })).toThrow(/LOCAL_AUTO_SHIP: applies to local mode only/);
    expect(loadConfig({ WECHAT_APPID: 'wx123' }).autoShip).toBe(true);
  });
});
