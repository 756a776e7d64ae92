import { p } from '@mikro-orm/core';

/** Created/updated timestamps (UTC, millisecond precision) shared by every table. */
export const timestamps = {
  createdAt: p.datetime(3).onCreate(() => new Date()),
  updatedAt: p
    .datetime(3)
    .onCreate(() => new Date())
    .onUpdate(() => new Date()),
};
