/**
 * rocketmq-client-nodejs 1.0.8 gives every consume service its own egg-logger whose buffered
 * file transport runs a setInterval that is never cleared, even after shutdown(); a process
 * (or a jest run) would then never exit on its own. Unref those intervals once, at import.
 */
import { createRequire } from 'node:module';
import { BaseClient } from 'rocketmq-client-nodejs';

const require = createRequire(import.meta.url);
const FileBufferTransport = require('egg-logger/lib/transports/file_buffer.js') as { prototype: Record<string, unknown> };
const proto = FileBufferTransport.prototype as { _createInterval?: () => NodeJS.Timeout | undefined; __unrefPatched?: boolean };
if (proto._createInterval && !proto.__unrefPatched) {
  const original = proto._createInterval;
  proto._createInterval = function patched(this: unknown) {
    const timer = original.call(this);
    timer?.unref?.();
    return timer;
  };
  proto.__unrefPatched = true;
}

/**
 * The client's telemetry session drops a failed stream with removeAllListeners(), and the stream
 * can still emit 'error' afterwards (its end() on a reset connection): an 'error' nobody listens
 * to throws and takes the process down during a broker outage. The session has seen the first
 * error and renews the stream; later ones are dropped here, on a listener that outlives it.
 */
interface TelemetryStream {
  on(event: 'error', listener: () => void): unknown;
  removeAllListeners(...args: unknown[]): unknown;
}
const baseProto = BaseClient.prototype as unknown as {
  createTelemetryStream: (endpoints: unknown) => TelemetryStream;
  __telemetryErrorPatched?: boolean;
};
if (!baseProto.__telemetryErrorPatched) {
  const ignore = () => undefined;
  const createTelemetryStream = baseProto.createTelemetryStream;
  baseProto.createTelemetryStream = function patched(this: unknown, endpoints: unknown) {
    const stream = createTelemetryStream.call(this, endpoints);
    stream.on('error', ignore);
    const removeAllListeners = stream.removeAllListeners.bind(stream);
    stream.removeAllListeners = (...args: unknown[]) => {
      const result = removeAllListeners(...args);
      stream.on('error', ignore);
      return result;
    };
    return stream;
  };
  baseProto.__telemetryErrorPatched = true;
}
