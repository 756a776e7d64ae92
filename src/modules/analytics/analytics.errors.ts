import { AppError } from '../../shared/errors.js';

export const AnalyticsErrors = {
  invalidRange: (message: string) => AppError.badInput(message, 'INVALID_RANGE', 'from'),
};
