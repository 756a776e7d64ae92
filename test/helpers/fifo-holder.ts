/**
 * A push consumer that takes what it receives and never finishes it: a worker stuck or about to
 * crash. Run as a child process (`node --import @swc-node/register/esm-register
 * test/helpers/fifo-holder.ts <endpoints> <group> <topic> <tag>`); it prints `ready` once
 * subscribed and `got <body>` per message, and the test kills it with SIGKILL.
 */
import { ConsumeResult, PushConsumer, type MessageView } from 'rocketmq-client-nodejs';

const [endpoints, group, topic, tag] = process.argv.slice(2);
const quiet = { info() {}, warn() {}, error() {}, debug() {}, close() {} };
const consumer = new PushConsumer({
  endpoints: endpoints!,
  namespace: '',
  consumerGroup: group!,
  // RocketMQ's proxy refuses long polls under 5 s.
  longPollingTimeout: 5_000,
  logger: quiet,
  subscriptions: new Map([[topic!, tag!]]),
  messageListener: {
    consume: async (view: MessageView) => {
      console.log(`got ${view.body.toString()}`);
      await new Promise(() => {});
      return ConsumeResult.SUCCESS;
    },
  },
} as never);
await consumer.startup();
console.log('ready');
