import { AppError } from '../../shared/errors.js';

export const AuthErrors = {
  codeEmpty: () => AppError.badInput('code must not be empty', 'LOGIN_CODE_EMPTY', 'code'),
  codeTooLong: (max: number) => AppError.badInput(`code must be at most ${max} characters`, 'LOGIN_CODE_TOO_LONG', 'code'),
  codeMalformed: () => AppError.badInput('code has characters WeChat never issues', 'LOGIN_CODE_MALFORMED', 'code'),
  codeRejected: () => AppError.badInput('WeChat rejected the login code (invalid, expired or already used)', 'WECHAT_CODE_INVALID', 'code'),
  wechatUnavailable: () => AppError.unavailable('WeChat login is temporarily unavailable, please retry', 'WECHAT_UNAVAILABLE'),
  sessionStoreUnavailable: () => AppError.unavailable('sessions are temporarily unavailable, please retry', 'SESSION_STORE_UNAVAILABLE'),
  /** MySQL went away mid-login; a retry is safe (the user and the first-login flag are decided in MySQL). */
  databaseUnavailable: () => AppError.unavailable('login is temporarily unavailable, please retry', 'DATABASE_UNAVAILABLE'),
  rateLimited: () => new AppError('RATE_LIMITED', 'too many failed logins, try again later', { reason: 'LOGIN_RATE_LIMITED', retryable: true }),
  badCredentials: () => AppError.unauthenticated('wrong username or password', 'BAD_CREDENTIALS'),
  sessionInvalid: () => AppError.unauthenticated('session is missing, expired or invalid: log in again', 'SESSION_INVALID'),
};
