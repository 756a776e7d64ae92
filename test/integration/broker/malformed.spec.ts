import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { loadRocketMqProto } from '../../../src/infra/mq/broker/proto.js';
import { TestBed } from './helpers.js';

/** Malformed requests sent with @grpc/grpc-js directly: every one gets an error status, none crashes the broker. */
describe('embedded broker: malformed requests', () => {
  let bed: TestBed;
  let client: any;

  beforeAll(async () => {
    bed = await TestBed.start({ topics: { TOk: 'NORMAL', TDelay: 'DELAY' }, autoCreateTopics: false });
    const pkg = loadRocketMqProto() as any;
    client = new pkg.apache.rocketmq.v2.MessagingService(bed.endpoints, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await bed?.close();
  });

  const md = () => {
    const m = new grpc.Metadata();
    m.set('x-mq-client-id', 'raw-test-client');
    return m;
  };
  const call = (method: string, req: object): Promise<any> =>
    new Promise((resolve, reject) =>
      client[method](req, md(), { deadline: Date.now() + 5000 }, (err: any, res: any) => (err ? reject(err) : resolve(res))),
    );
  const stream = (req: object): Promise<any[]> =>
    new Promise((resolve, reject) => {
      const out: any[] = [];
      const s = client.ReceiveMessage(req, md(), { deadline: Date.now() + 5000 });
      s.on('data', (d: any) => out.push(d));
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
  const msg = (over: any = {}) => ({
    topic: { name: 'TOk' },
    body: Buffer.from('x'),
    system_properties: { message_id: 'ID-1', message_type: 'NORMAL', body_encoding: 'IDENTITY', ...(over.sp ?? {}) },
    ...over.msg,
  });

  it('QueryRoute: missing, illegal and unknown topics', async () => {
    expect((await call('QueryRoute', {})).status.code).toBe('ILLEGAL_TOPIC');
    expect((await call('QueryRoute', { topic: { name: 'bad topic!' } })).status.code).toBe('ILLEGAL_TOPIC');
    expect((await call('QueryRoute', { topic: { name: 'x'.repeat(200) } })).status.code).toBe('ILLEGAL_TOPIC');
    const unknown = await call('QueryRoute', { topic: { name: 'Nope' } });
    expect(unknown.status.code).toBe('TOPIC_NOT_FOUND');
    expect(unknown.status.message).toBe('CODE: 17  DESC: No topic route info in name server for the topic: Nope');
    // a group's dead-letter topic can be looked up before anything was dead-lettered
    expect((await call('QueryRoute', { topic: { name: '%DLQ%some-group' } })).status.code).toBe('OK');
    expect((await call('QueryRoute', { topic: { name: '%RETRY%x' } })).status.code).toBe('TOPIC_NOT_FOUND');
    const ok = await call('QueryRoute', { topic: { name: 'TOk' } });
    expect(ok.status.code).toBe('OK');
    expect(ok.message_queues[0].id).toBe(0);
    expect(ok.message_queues[0].permission).toBe('READ_WRITE');
    expect(ok.message_queues[0].accept_message_types).toEqual(['NORMAL']);
  });

  it('SendMessage: empty request, empty id, bad tag, huge body, bad group, wrong type', async () => {
    expect((await call('SendMessage', {})).status.code).toBe('BAD_REQUEST');
    const noTopic = await call('SendMessage', { messages: [msg({ msg: { topic: null } })] });
    expect(noTopic.entries[0].status.code).toBe('ILLEGAL_TOPIC');
    expect((await call('SendMessage', { messages: [msg({ sp: { message_id: '' } })] })).entries[0].status.code).toBe('ILLEGAL_MESSAGE_ID');
    expect((await call('SendMessage', { messages: [msg({ sp: { tag: 'a|b' } })] })).entries[0].status.code).toBe('ILLEGAL_MESSAGE_TAG');
    const huge = await call('SendMessage', { messages: [msg({ msg: { body: Buffer.alloc(4 * 1024 * 1024 + 1) } })] });
    expect(huge.status.code).toBe('MESSAGE_BODY_TOO_LARGE');
    const group = await call('SendMessage', { messages: [msg({ sp: { message_group: 'g'.repeat(80) } })] });
    expect(group.entries[0].status.code).toBe('ILLEGAL_MESSAGE_GROUP');
    const wrong = await call('SendMessage', { messages: [msg({ msg: { topic: { name: 'TDelay' } } })] });
    expect(wrong.entries[0].status.code).toBe('MESSAGE_PROPERTY_CONFLICT_WITH_TYPE');
    const reserved = await call('SendMessage', { messages: [msg({ msg: { user_properties: { UNIQ_KEY: 'x' } } })] });
    expect(reserved.entries[0].status.code).toBe('ILLEGAL_MESSAGE_PROPERTY_KEY');
    const mixed = await call('SendMessage', { messages: [msg({ sp: { message_id: 'OK-1' } }), msg({ sp: { message_id: '' } })] });
    expect(mixed.status.code).toBe('MULTIPLE_RESULTS');
    expect(mixed.entries.map((e: any) => e.status.code)).toEqual(['OK', 'ILLEGAL_MESSAGE_ID']);
  });

  it('ReceiveMessage: bad group, bad invisible time, SQL filter', async () => {
    const base = {
      group: { name: 'g-raw' },
      message_queue: { topic: { name: 'TOk' }, id: 0 },
      filter_expression: { type: 'TAG', expression: '*' },
      batch_size: 1,
      invisible_duration: { seconds: 10, nanos: 0 },
      long_polling_timeout: { seconds: 1, nanos: 0 },
    };
    const first = (r: any[]) => r[0].status.code;
    expect(first(await stream({ ...base, group: { name: '' } }))).toBe('ILLEGAL_CONSUMER_GROUP');
    expect(first(await stream({ ...base, invisible_duration: { seconds: 0, nanos: 1_000_000 } }))).toBe('ILLEGAL_INVISIBLE_TIME');
    expect(first(await stream({ ...base, invisible_duration: { seconds: 13 * 3600, nanos: 0 } }))).toBe('ILLEGAL_INVISIBLE_TIME');
    expect(first(await stream({ ...base, filter_expression: { type: 'SQL', expression: 'a > 1' } }))).toBe('ILLEGAL_FILTER_EXPRESSION');
    expect(first(await stream({ ...base, message_queue: { topic: { name: 'Nope' } } }))).toBe('TOPIC_NOT_FOUND');
    const empty = await stream({ ...base, message_queue: { topic: { name: 'TDelay' }, id: 0 } });
    expect(empty[0].status.code).toBe('MESSAGE_NOT_FOUND');
    expect(empty[empty.length - 1].delivery_timestamp).toBeTruthy();
  });

  it('Ack / ChangeInvisibleDuration / Forward / EndTransaction / Recall with bad input', async () => {
    const ack = await call('AckMessage', { group: { name: 'g-raw' }, topic: { name: 'TOk' }, entries: [{ message_id: 'x', receipt_handle: 'garbage' }] });
    expect(ack.status.code).toBe('INVALID_RECEIPT_HANDLE');
    expect((await call('AckMessage', { topic: { name: 'TOk' }, entries: [] })).status.code).toBe('ILLEGAL_CONSUMER_GROUP');
    const cid = await call('ChangeInvisibleDuration', {
      group: { name: 'g-raw' },
      topic: { name: 'TOk' },
      receipt_handle: 'garbage',
      invisible_duration: { seconds: 1, nanos: 0 },
    });
    expect(cid.status.code).toBe('INVALID_RECEIPT_HANDLE');
    const fwd = await call('ForwardMessageToDeadLetterQueue', { group: { name: 'g-raw' }, topic: { name: 'TOk' }, receipt_handle: '' });
    expect(fwd.status.code).toBe('INVALID_RECEIPT_HANDLE');
    const end = await call('EndTransaction', { topic: { name: 'TOk' }, message_id: 'x', transaction_id: '', resolution: 'COMMIT' });
    expect(end.status.code).toBe('INVALID_TRANSACTION_ID');
    const recall = await call('RecallMessage', { topic: { name: 'TDelay' }, recall_handle: '%%%' });
    expect(recall.status.code).toBe('INTERNAL_SERVER_ERROR');
  });

  it('unsupported RPCs answer UNIMPLEMENTED instead of hanging', async () => {
    await expect(call('GetOffset', { group: { name: 'g' } })).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
    await expect(call('UpdateOffset', {})).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
    const pull = await new Promise<any>((resolve) => {
      const s = client.PullMessage({}, md(), { deadline: Date.now() + 5000 });
      s.on('data', () => {});
      s.on('error', resolve);
      s.on('end', () => resolve(undefined));
    });
    expect(pull?.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it('Telemetry without publishing/subscription ends the stream with INVALID_ARGUMENT', async () => {
    const err = await new Promise<any>((resolve) => {
      const s = client.Telemetry(md());
      s.on('data', () => {});
      s.on('error', resolve);
      s.on('end', () => resolve(undefined));
      s.write({ settings: { client_type: 'PRODUCER' } });
    });
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    // still alive
    expect((await call('QueryRoute', { topic: { name: 'TOk' } })).status.code).toBe('OK');
  });
});
