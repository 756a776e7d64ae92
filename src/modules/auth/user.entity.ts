import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from '../../infra/db/base-entity.js';

export const User = defineEntity({
  name: 'User',
  tableName: 'user',
  properties: {
    id: p.integer().primary().autoincrement(),
    openid: p.string().length(64).unique(),
    unionid: p.string().length(64).nullable(),
    nickname: p.string().length(64).nullable(),
    points: p.integer().default(0),
    /** When a login of this user first completed (session issued); null until then: the next login is still the first. */
    firstLoginAt: p.datetime(3).nullable(),
    ...timestamps,
  },
});
export type UserRow = InferEntity<typeof User>;

export const AdminUser = defineEntity({
  name: 'AdminUser',
  tableName: 'admin_user',
  properties: {
    id: p.integer().primary().autoincrement(),
    username: p.string().length(64).unique(),
    /** scrypt: `scrypt$<salt b64>$<hash b64>`; never returned or logged. */
    passwordHash: p.string().length(255).hidden(),
    ...timestamps,
  },
});
export type AdminUserRow = InferEntity<typeof AdminUser>;
