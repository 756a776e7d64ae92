/**
 * Loads the RocketMQ 5 gRPC protocol (`apache.rocketmq.v2`) from the .proto files shipped with
 * rocketmq-client-nodejs, so the broker and the client always agree on the wire format.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

/** Directory holding `apache/rocketmq/v2/*.proto`. */
export function protoRoot(): string {
  return path.join(path.dirname(require.resolve('rocketmq-client-nodejs/package.json')), 'proto');
}

/** Loader options: snake_case fields, int64 as numbers, enums as their names, oneof discriminators. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [],
};

let cached: grpc.GrpcObject | undefined;

export function loadRocketMqProto(): grpc.GrpcObject {
  if (cached) return cached;
  const root = protoRoot();
  const definition = protoLoader.loadSync(
    [path.join(root, 'apache/rocketmq/v2/service.proto'), path.join(root, 'apache/rocketmq/v2/admin.proto')],
    { ...PROTO_LOADER_OPTIONS, includeDirs: [root] },
  );
  cached = grpc.loadPackageDefinition(definition);
  return cached;
}

export function messagingServiceDefinition(): grpc.ServiceDefinition {
  const pkg = loadRocketMqProto() as any;
  return pkg.apache.rocketmq.v2.MessagingService.service as grpc.ServiceDefinition;
}

/** The `Code` enum of definition.proto (names are what goes on the wire with `enums: String`). */
export const Code = {
  OK: 20000,
  MULTIPLE_RESULTS: 30000,
  BAD_REQUEST: 40000,
  ILLEGAL_TOPIC: 40002,
  ILLEGAL_CONSUMER_GROUP: 40003,
  ILLEGAL_MESSAGE_TAG: 40004,
  ILLEGAL_MESSAGE_KEY: 40005,
  ILLEGAL_MESSAGE_GROUP: 40006,
  ILLEGAL_MESSAGE_PROPERTY_KEY: 40007,
  INVALID_TRANSACTION_ID: 40008,
  ILLEGAL_MESSAGE_ID: 40009,
  ILLEGAL_FILTER_EXPRESSION: 40010,
  ILLEGAL_INVISIBLE_TIME: 40011,
  ILLEGAL_DELIVERY_TIME: 40012,
  INVALID_RECEIPT_HANDLE: 40013,
  MESSAGE_PROPERTY_CONFLICT_WITH_TYPE: 40014,
  UNRECOGNIZED_CLIENT_TYPE: 40015,
  CLIENT_ID_REQUIRED: 40017,
  ILLEGAL_POLLING_TIME: 40018,
  MESSAGE_NOT_FOUND: 40401,
  TOPIC_NOT_FOUND: 40402,
  CONSUMER_GROUP_NOT_FOUND: 40403,
  MESSAGE_BODY_TOO_LARGE: 41301,
  MESSAGE_BODY_EMPTY: 41302,
  TOO_MANY_REQUESTS: 42900,
  MESSAGE_PROPERTIES_TOO_LARGE: 43101,
  INTERNAL_SERVER_ERROR: 50001,
  NOT_IMPLEMENTED: 50100,
  UNSUPPORTED: 50500,
} as const;
export type CodeName = keyof typeof Code;

export interface Status {
  code: CodeName;
  message: string;
}

export function status(code: CodeName, message = code === 'OK' ? 'OK' : code): Status {
  return { code, message };
}

/** A broker-side failure carried back to the client as an in-band status. */
export class BrokerError extends Error {
  constructor(
    readonly code: CodeName,
    message: string,
  ) {
    super(message);
  }
  toStatus(): Status {
    return { code: this.code, message: this.message };
  }
}

export interface PbDuration {
  seconds: number | string;
  nanos: number;
}
export interface PbTimestamp {
  seconds: number | string;
  nanos: number;
}

export function durationToMs(d: PbDuration | null | undefined): number | undefined {
  if (!d) return undefined;
  return Number(d.seconds) * 1000 + Math.floor((d.nanos ?? 0) / 1e6);
}
export function msToDuration(ms: number): PbDuration {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}
export function timestampToMs(t: PbTimestamp | null | undefined): number | undefined {
  if (!t) return undefined;
  return Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}
export function msToTimestamp(ms: number): PbTimestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}
