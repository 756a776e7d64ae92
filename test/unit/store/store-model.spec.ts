import { checkFilter, checkPatch, decodeStoreCursor, encodeStoreCursor, isOpenAt, shanghaiClock } from '../../../src/modules/store/store.model.js';

describe('store model (pure functions)', () => {
  it('tells open from closed, including hours past midnight and all-day stores', () => {
    const day = { status: 'OPEN' as const, openTime: '08:00', closeTime: '22:00' };
    expect([isOpenAt(day, '07:59'), isOpenAt(day, '08:00'), isOpenAt(day, '21:59'), isOpenAt(day, '22:00')]).toEqual([false, true, true, false]);
    const night = { status: 'OPEN' as const, openTime: '10:00', closeTime: '02:00' };
    expect([isOpenAt(night, '09:59'), isOpenAt(night, '23:30'), isOpenAt(night, '01:59'), isOpenAt(night, '02:00')]).toEqual([false, true, true, false]);
    const allDay = { status: 'OPEN' as const, openTime: '00:00', closeTime: '24:00' };
    expect([isOpenAt(allDay, '00:00'), isOpenAt(allDay, '23:59')]).toEqual([true, true]);
    expect(isOpenAt({ ...allDay, status: 'CLOSED' }, '12:00')).toBe(false);
  });

  it('reads the clock in Asia/Shanghai (UTC+8)', () => {
    expect(shanghaiClock(new Date('2026-01-01T00:30:00Z'))).toBe('08:30');
    expect(shanghaiClock(new Date('2026-01-01T17:05:00Z'))).toBe('01:05');
  });

  it('round-trips cursors and refuses foreign ones', () => {
    const near = encodeStoreCursor({ k: 'near', d: 12345, id: 7 });
    expect(decodeStoreCursor(near, 'near')).toEqual({ k: 'near', d: 12345, id: 7 });
    expect(() => decodeStoreCursor(near, 'id')).toThrow(/cursor/);
    expect(decodeStoreCursor(encodeStoreCursor({ k: 'id', id: 3 }), 'id')).toEqual({ k: 'id', id: 3 });
    for (const bad of ['', '!!!', Buffer.from('null').toString('base64url'), Buffer.from('{"k":"near","d":-1,"id":1}').toString('base64url')]) {
      expect(() => decodeStoreCursor(bad, 'near')).toThrow(/cursor/);
    }
  });

  it('validates input', () => {
    expect(checkPatch({ name: '  Cafe  ', latitude: 31.1234567, closeTime: '24:00' })).toEqual({ name: 'Cafe', latitude: 31.123457, closeTime: '24:00' });
    expect(() => checkPatch({ openTime: '24:00' })).toThrow(/openTime/);
    expect(() => checkPatch({ longitude: Number.NaN })).toThrow(/longitude/);
    expect(checkFilter({ city: 'Shanghai', openNow: false })).toEqual({ city: 'Shanghai' });
    expect(() => checkFilter({ near: { latitude: 0, longitude: null } })).toThrow(/longitude/);
  });
});
