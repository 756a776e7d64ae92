import { AppError } from '../../shared/errors.js';

export const StoreErrors = {
  notFound: (id: number) => AppError.notFound(`store ${id} does not exist`, 'STORE_NOT_FOUND'),
  invalidId: (field: string) => AppError.badInput(`${field} is not a valid store id`, 'INVALID_ID', field),
  invalidLatitude: (field: string) => AppError.badInput(`${field} must be a number between -90 and 90`, 'INVALID_COORDINATES', field),
  invalidLongitude: (field: string) => AppError.badInput(`${field} must be a number between -180 and 180`, 'INVALID_COORDINATES', field),
  invalidField: (field: string, rule: string) => AppError.badInput(`${field} ${rule}`, 'INVALID_STORE_INPUT', field),
  missingField: (field: string) => AppError.badInput(`${field} is required to create a store`, 'MISSING_FIELD', field),
  nameTaken: () => AppError.conflict('a store with this name already exists in this city', 'STORE_NAME_TAKEN'),
};
