import type { EntityManager } from '@mikro-orm/mysql';
import type { Logger } from '../infra/observability/logger.js';

/** Who a session belongs to (the auth module issues sessions; everything else only reads the role). */
export type Role = 'customer' | 'admin';

export interface Viewer {
  userId: number;
  role: Role;
  openid?: string;
  /** The bearer token of this request; kept so logout can end it. Never logged. */
  token: string;
}

/** The unit of work a service call runs in: its entity-manager fork and its logger. */
export interface WorkContext {
  em: EntityManager;
  log: Logger;
}

/** What every service call receives first: one entity-manager fork per operation or message. */
export interface RequestContext extends WorkContext {
  requestId: string;
  viewer?: Viewer;
  clientIp?: string;
}
