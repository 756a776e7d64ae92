/**
 * rocketmq-client-nodejs 1.0.8 ignores the push consumer's `longPollingTimeout` option (its
 * settings start at 30 s) and then takes the one the server's settings reply carries (the embedded broker and a RocketMQ 5 proxy both say 20 s), so
 * MQ_LONG_POLLING_TIMEOUT never reached the broker and a graceful shutdown, which waits for the
 * in-flight receive, took ~20 s. The server's value is a maximum (the proxy clamps each receive's
 * own timeout to it): keep the smaller of the two, so every receive asks for the client's value.
 * Patched per instance (own properties), so it holds whichever copy of the module loaded it.
 */
interface SubscriptionSettings {
  getLongPollingTimeout(): number;
}

export function keepClientLongPollingTimeout(consumer: { getPushConsumerSettings(): unknown }, configuredMs: number): void {
  const settings = consumer.getPushConsumerSettings() as SubscriptionSettings;
  const get = settings.getLongPollingTimeout.bind(settings);
  settings.getLongPollingTimeout = () => Math.min(configuredMs, get());
}
