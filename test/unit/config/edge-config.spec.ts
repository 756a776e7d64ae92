import { ConfigError, loadConfig } from '../../../src/config/config.js';

describe('configuration of the GraphQL edge', () => {
  it('trusts no proxy by default, and never every proxy', () => {
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'none' }).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).http.trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(ConfigError);
  });

  it('has the documented defaults (SECURITY.md)', () => {
    const { graphql, order, http } = loadConfig({});
    expect(graphql).toEqual({
      maxDepth: 8,
      maxCost: 5000,
      maxDocumentBytes: 32_768,
      maxTokens: 5000,
      maxFields: 2000,
      maxAliases: 30,
      maxDirectives: 50,
      mutationRateLimit: 120,
      mutationRateWindowMs: 60_000,
      wsMaxOperations: 20,
      wsSessionRecheckMs: 30_000,
      playground: true,
    });
    expect([order.maxPendingPerStore, order.maxReservedUnitsPerStore]).toEqual([5, 200]);
    expect(http).toEqual({ trustProxy: false, metricsPort: undefined, metricsToken: undefined });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_TOKEN: 'tok' }).http).toMatchObject({ metricsPort: 9464, metricsToken: 'tok' });
  });
});
