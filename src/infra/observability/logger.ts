import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear, so a secret that slips into a log object is never
 * written (DESIGN.md security rules): WeChat session keys, our session tokens, pay keys.
 */
export const REDACTED_PATHS = [
  'session_key',
  'sessionKey',
  '*.session_key',
  '*.sessionKey',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
  'password',
  '*.password',
  'apiV3Key',
  '*.apiV3Key',
  'privateKey',
  '*.privateKey',
  'paySign',
  '*.paySign',
];

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Where log lines go; defaults to stdout. Tests pass a stream to assert on log content. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: options.name ?? 'wxshop-bff',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
