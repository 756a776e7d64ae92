import { authModule } from './auth/auth.module.js';
import { couponModule } from './coupon/coupon.module.js';
import type { ModuleFactory } from './module.js';

/** Every module, in dependency order: a module may call the services of those before it. */
export const MODULES: ModuleFactory[] = [authModule, couponModule];
