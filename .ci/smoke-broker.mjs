// CI smoke test of `npm run broker` (the standalone embedded RocketMQ broker), as a user runs it.
//
//   npm run smoke:broker       (CI: free ports; dev: SMOKE_PORT_BASE=<first port of your range>)
//
// It starts `npm run broker -- --port <p> --admin-port <p'> --data-dir <temp>`, waits for the
// "broker ready" line, sends one message with rocketmq-client-nodejs's Producer, receives and acks
// it with a SimpleConsumer, checks the admin stats, sends SIGTERM to npm and expects exit 0 with
// nothing left listening.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { SmokeFailure, dumpOutput, fail, freePort, killGroup, listening, runNpm, step, terminate } from './smoke-lib.mjs';

const START_TIMEOUT_MS = Number(process.env.SMOKE_START_TIMEOUT_MS ?? 300_000); // includes `npm run build`
const STOP_TIMEOUT_MS = 30_000;
const TOPIC = 'SmokeTopic'; // auto-created as NORMAL
const GROUP = 'cg-smoke';

/** The client's own logger writes files under ~/logs; keep the smoke output to what it checks. */
const quiet = { info() {}, warn() {}, debug() {}, close() {}, error: (...a) => console.error('[client]', ...a) };

async function main() {
  const port = await freePort(10);
  const adminPort = await freePort(11);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'wxshop-smoke-broker-'));
  const clients = [];
  let run;
  try {
    step(`npm run broker -- --port ${port} --admin-port ${adminPort} --data-dir ${dataDir}`);
    run = runNpm(['run', 'broker', '--', '--port', String(port), '--admin-port', String(adminPort), '--data-dir', dataDir], {});
    await run.waitForOutput((out) => out.includes('"msg":"broker ready"'), '"broker ready" line', START_TIMEOUT_MS);
    const ready = JSON.parse(run.output.split('\n').find((l) => l.includes('"msg":"broker ready"')));
    step(`broker ready at ${ready.endpoint} (admin ${ready.adminUrl})`);

    const producer = new Producer({ endpoints: ready.endpoint, namespace: '', logger: quiet });
    clients.push(producer);
    await producer.startup();
    // The consumer group subscribes before the send, as a deployed consumer would.
    const consumer = new SimpleConsumer({
      endpoints: ready.endpoint,
      namespace: '',
      consumerGroup: GROUP,
      subscriptions: new Map([[TOPIC, '*']]),
      // RocketMQ's shortest long poll, which the broker enforces as RocketMQ's proxy does.
      awaitDuration: 5000,
      logger: quiet,
    });
    clients.push(consumer);
    await consumer.startup();

    const body = `smoke ${process.pid} ${new Date().toISOString()}`;
    const receipt = await producer.send({ topic: TOPIC, tag: 'smoke', keys: ['smoke-key'], body: Buffer.from(body) });
    step(`Producer sent one message: ${receipt.messageId}`);

    let received;
    for (let attempt = 0; attempt < 10 && !received; attempt++) {
      const batch = await consumer.receive(1, 30_000);
      received = batch.find((m) => m.messageId === receipt.messageId);
    }
    if (!received) fail(`the SimpleConsumer did not receive message ${receipt.messageId}`);
    if (received.body.toString('utf8') !== body) fail(`received body "${received.body.toString('utf8')}", sent "${body}"`);
    await consumer.ack(received);
    step(`SimpleConsumer received it (tag ${received.tag}, same body) and acked it`);

    const stats = await (await fetch(`${ready.adminUrl}/admin/stats`)).json();
    const group = stats.groups.find((g) => g.group === GROUP && g.topic === TOPIC);
    if (!group || group.backlog !== 0 || group.inflight !== 0) fail(`admin stats for ${GROUP}: ${JSON.stringify(group)}`);
    step(`admin stats: ${GROUP} has backlog 0, in flight 0`);

    await Promise.allSettled(clients.splice(0).map((c) => c.shutdown()));
    step('SIGTERM to npm');
    const exit = await terminate(run, STOP_TIMEOUT_MS);
    if (exit.code !== 0) fail(`npm run broker exited with code ${exit.code} (signal ${exit.signal}) after SIGTERM; expected 0`);
    if (await listening(port)) fail(`port ${port} still accepts connections: the broker outlived npm`);
    step(`npm run broker exited 0; nothing listens on ${port}`);
  } catch (err) {
    dumpOutput(run);
    if (run) killGroup(run);
    throw err;
  } finally {
    await Promise.allSettled(clients.map((c) => c.shutdown()));
    rmSync(dataDir, { recursive: true, force: true });
  }
  step('broker smoke test passed');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`[smoke] FAILED: ${err instanceof SmokeFailure ? err.message : err?.stack ?? err}`);
    process.exit(1);
  },
);
