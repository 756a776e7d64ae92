/**
 * rocketmq-client-nodejs 1.0.8 gives every consume service its own egg-logger whose buffered
 * file transport runs a setInterval that is never cleared, even after shutdown(); a process
 * (or a jest run) would then never exit on its own. Unref those intervals once, at import.
 */
import { createRequire } from 'node:module';

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
