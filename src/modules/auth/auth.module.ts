import { defineModule } from '../module.js';
import { AuthResolver } from './auth.resolver.js';
import { AuthService } from './auth.service.js';
import { SessionStore } from './session.store.js';
import { AdminUser, User } from './user.entity.js';

export const LOCAL_ADMIN = { username: 'admin', password: 'admin' } as const;

export const authModule = defineModule({
  name: 'auth',
  entities: [User, AdminUser],
  resolvers: [AuthResolver],
  create: ({ config, redis, outbox, externals }) => {
    const sessions = new SessionStore(redis, config.auth.sessionTtlMs);
    const auth = new AuthService(
      { sessions, wechat: externals.miniProgram, outbox, redis },
      { loginRateLimit: config.auth.loginRateLimit, loginRateWindowMs: config.auth.loginRateWindowMs },
    );
    return {
      services: { auth },
      resolvers: [new AuthResolver(auth)],
      seed: async (em) => {
        // Local mode gets admin/admin; production creates the admin only from ADMIN_PASSWORD.
        const password = config.auth.adminPassword ?? (config.seedDemoData ? LOCAL_ADMIN.password : undefined);
        if (password) await auth.ensureAdmin(em, LOCAL_ADMIN.username, password);
      },
    };
  },
});
