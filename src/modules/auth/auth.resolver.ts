import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../shared/context.js';
import { AuthService } from './auth.service.js';
import { LoginPayload, RoleGql, UserType } from './auth.types.js';

@Resolver()
export class AuthResolver {
  constructor(private readonly auth: AuthService) {}

  @Query(() => UserType, { description: 'The logged-in mini-program user.' })
  async me(@Ctx() ctx: RequestContext): Promise<UserType> {
    return UserType.from(await this.auth.me(ctx));
  }

  @Mutation(() => LoginPayload, { description: 'Exchanges a wx.login code for a session token.' })
  async login(@Ctx() ctx: RequestContext, @Arg('code') code: string): Promise<LoginPayload> {
    const r = await this.auth.login(ctx, code);
    return Object.assign(new LoginPayload(), { token: r.token, expiresAt: r.expiresAt, user: r.user && UserType.from(r.user), firstLogin: r.firstLogin, role: RoleGql.CUSTOMER });
  }

  @Mutation(() => Boolean, { description: 'Ends the current session; false when there was none.' })
  async logout(@Ctx() ctx: RequestContext): Promise<boolean> {
    return this.auth.logout(ctx);
  }

  @Mutation(() => LoginPayload)
  async adminLogin(@Ctx() ctx: RequestContext, @Arg('username') username: string, @Arg('password') password: string): Promise<LoginPayload> {
    const r = await this.auth.adminLogin(ctx, username, password);
    return Object.assign(new LoginPayload(), { token: r.token, expiresAt: r.expiresAt, user: null, firstLogin: false, role: RoleGql.ADMIN });
  }
}
