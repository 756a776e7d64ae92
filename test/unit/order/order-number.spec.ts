import { ORDER_NO_MAX_LENGTH, OrderNumberGenerator } from '../../../src/modules/order/order-number.js';

describe('OrderNumberGenerator', () => {
  test('numbers are digits, at most 32 characters, start with the UTC millisecond and are unique', () => {
    const gen = new OrderNumberGenerator('instance-a');
    const at = Date.UTC(2026, 10, 22, 3, 4, 5, 678);
    const fixed = new OrderNumberGenerator('instance-a', () => at);
    const no = fixed.next();
    expect(no).toMatch(/^\d+$/);
    expect(no.length).toBeLessThanOrEqual(ORDER_NO_MAX_LENGTH);
    expect(no.startsWith('20261122030405678')).toBe(true);
    const many = Array.from({ length: 20_000 }, () => gen.next());
    expect(new Set(many).size).toBe(many.length);
  });

  test('more than 1,000 numbers in one millisecond, or a clock going backwards, never repeat and stay ordered', () => {
    let now = Date.UTC(2026, 0, 1);
    const gen = new OrderNumberGenerator('x', () => now);
    const out: string[] = [];
    for (let i = 0; i < 2_500; i++) out.push(gen.next());
    now -= 10_000; // NTP step backwards
    for (let i = 0; i < 10; i++) out.push(gen.next());
    expect(new Set(out).size).toBe(out.length);
    const prefixes = out.map((n) => n.slice(0, 17) + n.slice(21, 24));
    expect([...prefixes].sort()).toEqual(prefixes);
  });

  test('two instances in the same millisecond differ in their node digits', () => {
    const at = () => Date.UTC(2026, 0, 1);
    const a = new OrderNumberGenerator('host-a:4000', at).next();
    const b = new OrderNumberGenerator('host-b:4000', at).next();
    expect(a.slice(17, 21)).not.toBe(b.slice(17, 21));
  });
});
