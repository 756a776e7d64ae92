import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { MeRow } from './auth.service.js';

export enum RoleGql {
  CUSTOMER = 'customer',
  ADMIN = 'admin',
}
registerEnumType(RoleGql, { name: 'Role' });

@ObjectType('User')
export class UserType {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) nickname!: string | null;
  @Field(() => Int) points!: number;
  @Field() createdAt!: Date;

  static from(row: MeRow): UserType {
    return Object.assign(new UserType(), { id: String(row.id), nickname: row.nickname ?? null, points: row.points, createdAt: row.createdAt });
  }
}

@ObjectType('LoginPayload')
export class LoginPayload {
  @Field({ description: 'Opaque bearer token: send it as `Authorization: Bearer <token>`.' }) token!: string;
  @Field() expiresAt!: Date;
  @Field(() => UserType, { nullable: true, description: 'The mini-program user; null for an admin login.' }) user!: UserType | null;
  @Field({ description: 'True only on the login that created the user.' }) firstLogin!: boolean;
  @Field(() => RoleGql) role!: RoleGql;
}
